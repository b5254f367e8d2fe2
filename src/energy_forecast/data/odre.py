"""Download the two datasets from RTE's ODRÉ open-data portal (Explore API v2.1 CSV export).

Each body is streamed to a temporary file, then checked: the header must be the French
labels the parser reads, and the rows must cover data.start..data.end (with `data.end: latest`,
everything published from data.start on is asked for). Rows outside that range are dropped
locally, since a server may ignore the `where` filter; kept rows stay byte
for byte. Connection errors, 429 and 5xx are retried with backoff, then reported with the
URL. The caller (`ingest`) moves the files into data/raw/ only when both downloads pass.
"""

from __future__ import annotations

import http.client
import logging
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.data import exports
from energy_forecast.data.parsing import export_days
from energy_forecast.settings import OdreSettings

log = logging.getLogger(__name__)
RETRIES = 3
CHUNK = 1 << 16
# The column holding each row's Paris day, per dataset.
DAY_COLUMNS = {"consumption": exports.CONSUMPTION_DATE, "temperature": exports.TEMPERATURE_DATE}
REQUIRED = {
    "consumption": [
        exports.CONSUMPTION_INSTANT,
        exports.CONSUMPTION_DATE,
        exports.CONSUMPTION_TIME,
        exports.CONSUMPTION_MW,
        exports.CONSUMPTION_STATUS,
    ],
    "temperature": [
        exports.TEMPERATURE_DATE,
        exports.TEMPERATURE_REGION,
        *exports.TEMPERATURE_VALUES,
    ],
}


class _Retryable(Exception):
    pass


def export_url(base_url: str, dataset: str, start: pd.Timestamp, end: pd.Timestamp | None) -> str:
    """The CSV export of `dataset` from `start` to `end` (None: everything published since)."""
    where = f"date >= date'{start.date()}'"
    if end is not None:
        where += f" and date <= date'{end.date()}'"
    query = urllib.parse.urlencode(
        {
            "lang": "fr",
            "timezone": "Europe/Paris",
            "use_labels": "true",
            "delimiter": ";",
            "where": where,
        }
    )
    return f"{base_url.rstrip('/')}/api/explore/v2.1/catalog/datasets/{dataset}/exports/csv?{query}"


class _Progress:
    """Bytes and rows so far: a live line on a terminal, a log line every 10 MB otherwise."""

    def __init__(self, name: str) -> None:
        self.name, self.bytes, self.rows, self.logged = name, 0, 0, 0
        self.live = sys.stderr.isatty()

    def add(self, chunk: bytes) -> None:
        self.bytes += len(chunk)
        self.rows += chunk.count(b"\n")
        if self.live:
            print(
                f"\r{self.name}: {self.bytes / 1e6:7.1f} MB, {self.rows:,} rows",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif self.bytes - self.logged >= 10_000_000:
            self.logged = self.bytes
            log.info("%s: %.1f MB, %d rows", self.name, self.bytes / 1e6, self.rows)

    def done(self) -> None:
        if self.live:
            print(file=sys.stderr)
        log.info("%s: downloaded %.1f MB, %d rows", self.name, self.bytes / 1e6, self.rows)


def _fetch_once(url: str, target: Path, timeout: float, name: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as out:
            progress = _Progress(name)
            while chunk := response.read(CHUNK):
                out.write(chunk)
                progress.add(chunk)
            # A connection closed early ends a sized body without an error: count the bytes.
            expected = response.headers.get("Content-Length")
            if expected is not None and progress.bytes != int(expected):
                raise _Retryable(f"connection closed after {progress.bytes} of {expected} bytes")
            progress.done()
    except urllib.error.HTTPError as err:
        if err.code == 429 or err.code >= 500:
            raise _Retryable(f"HTTP {err.code} {err.reason}") from None
        raise InputError(
            f"cannot download {url}: HTTP {err.code} {err.reason}; use "
            "data.source: files or synthetic"
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        reason = getattr(err, "reason", None) or err
        raise _Retryable(f"{type(err).__name__}: {reason}") from None


def fetch(url: str, target: Path, timeout: float, backoff: float, name: str) -> None:
    """Stream `url` to `target`, retrying connection errors, 429 and 5xx up to RETRIES times."""
    for attempt in range(RETRIES + 1):
        try:
            _fetch_once(url, target, timeout, name)
            return
        except _Retryable as err:
            if attempt == RETRIES:
                raise InputError(
                    f"cannot reach {url}: {err} (after {RETRIES} retries); use "
                    "data.source: files or synthetic"
                ) from None
            wait = backoff * 2**attempt
            log.warning("%s: %s; retrying in %.1f s", name, err, wait)
            time.sleep(wait)


def keep_range(
    path: Path, name: str, start: pd.Timestamp, end: pd.Timestamp | None, url: str
) -> None:
    """Check the header and coverage, and drop rows outside start..end, in place."""
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"empty body from {url}; expected a {name} export", source=url)
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    header_end = raw.index(b"\n") + 1 if b"\n" in raw else len(raw)
    header = raw[len(bom) : header_end].decode("utf-8", "replace").rstrip("\r\n")
    columns = header.split(exports.SEPARATOR)
    missing = [c for c in REQUIRED[name] if c not in columns]
    if missing:
        raise InputError(
            f"unexpected header from {url}: missing {missing}; expected the "
            "French labels of use_labels=true",
            source=url,
            line=1,
        )
    index = columns.index(DAY_COLUMNS[name])
    lines = raw[header_end:].splitlines(keepends=True)
    values = [line.split(b";", index + 1)[index].decode() if line.strip() else "" for line in lines]
    days, _ = export_days(pd.Series(values), name)
    if days.isna().all():
        raise InputError(f"no dated rows from {url}", source=url)
    first, last = days.min(), days.max()
    if first > start or (end is not None and last < end):
        wanted = f"{start.date()} to {end.date()}" if end is not None else f"{start.date()} on"
        raise InputError(
            f"{url} covers {first.date()} to {last.date()}, not all of "
            f"data.start..data.end ({wanted})",
            source=url,
        )
    inside = ((days >= start) & (days <= (end if end is not None else days.max()))).to_numpy()
    if not inside.all():
        log.info(
            "%s: dropped %d rows outside %s..%s (the server ignored `where`)",
            name,
            int((~inside).sum()),
            start.date(),
            end.date() if end is not None else "",
        )
        kept = b"".join(line for line, keep in zip(lines, inside, strict=True) if keep)
        path.write_bytes(raw[:header_end] + kept)


def download(
    portal: OdreSettings,
    consumption: Path,
    temperature: Path,
    start: pd.Timestamp,
    end: pd.Timestamp | None,
) -> None:
    for name, target in (("consumption", consumption), ("temperature", temperature)):
        dataset = getattr(portal, f"{name}_dataset")
        url = export_url(portal.base_url, dataset, start, end)
        log.info("%s: GET %s", name, url)
        fetch(url, target, portal.timeout_seconds, portal.retry_backoff_seconds, name)
        keep_range(target, name, start, end, url)
