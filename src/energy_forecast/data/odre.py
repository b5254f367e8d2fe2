"""Download the two datasets from RTE's ODRÉ open-data portal (Explore API v2.1 CSV export):
the consumption (`consommation-quotidienne-brute`, or an eCO2mix national dataset, the series
RTE forecasts) and the regional temperatures.

Each body is streamed to a temporary file, then checked: the header must be the French
labels the parser reads, and the rows must cover data.start..data.end (with `data.end: latest`,
everything published from data.start on is asked for). Rows outside that range are dropped
locally, since a server may ignore the `where` filter; kept rows stay byte
for byte. Connection errors, 429 and 5xx are retried with backoff (urllib3's `Retry`, which
honours `Retry-After`), then reported with the URL; so is a body cut short. The caller
(`ingest`) moves the files into data/raw/ only when both downloads pass.
"""

from __future__ import annotations

import logging
import urllib.parse
from pathlib import Path

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from energy_forecast.core.errors import InputError, first_line
from energy_forecast.data import exports
from energy_forecast.data.tables import export_days
from energy_forecast.runtime.progress import progress_bar
from energy_forecast.runtime.settings import OdreSettings

log = logging.getLogger(__name__)
RETRIES = 3
# Answers worth asking again: too many requests, and the server's own failures.
RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK = 1 << 16
# The column holding each row's Paris day, per kind of dataset.
DAY_COLUMNS = {
    "consumption": exports.CONSUMPTION_DATE,
    "eco2mix": exports.ECO2MIX_DATE,
    "temperature": exports.TEMPERATURE_DATE,
}
REQUIRED = {
    "eco2mix": [
        exports.ECO2MIX_DATE,
        exports.ECO2MIX_INSTANT,
        exports.ECO2MIX_NATURE,
        exports.ECO2MIX_ACTUAL,
        exports.ECO2MIX_FORECAST,
    ],
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


def session(backoff: float) -> requests.Session:
    """A session that asks again, `RETRIES` times with exponential backoff (or as long as the
    server's `Retry-After` says), on connection errors, 429 and 5xx: urllib3's `Retry`."""
    retry = Retry(
        total=RETRIES,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods={"GET"},
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    for scheme in ("http://", "https://"):
        session.mount(scheme, HTTPAdapter(max_retries=retry))
    return session


def fetch(url: str, target: Path, timeout: float, backoff: float, name: str) -> None:
    """Stream `url` to `target`; its bytes on a progress bar on a terminal, a log line after."""
    unreachable = (
        f"cannot reach {url}: {{}} (after {RETRIES} retries); use data.source: files or synthetic"
    )
    try:
        with session(backoff).get(url, timeout=timeout, stream=True) as response:
            if response.status_code in RETRY_STATUSES:
                raise InputError(
                    unreachable.format(f"HTTP {response.status_code} {response.reason}")
                )
            if not response.ok:
                raise InputError(
                    f"cannot download {url}: HTTP {response.status_code} {response.reason}; use "
                    "data.source: files or synthetic"
                )
            expected = response.headers.get("Content-Length")
            total = int(expected) if expected else None
            size = 0
            with open(target, "wb") as out, progress_bar(name, total, "B", unit_scale=True) as bar:
                for chunk in response.iter_content(CHUNK):
                    out.write(chunk)
                    size += len(chunk)
                    bar.update(len(chunk))
    except requests.RequestException as err:
        raise InputError(unreachable.format(f"{type(err).__name__}: {first_line(err)}")) from None
    log.info("%s: downloaded %.1f MB", name, size / 1e6)


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
        keep_range(target, dataset_kind(dataset, name), start, end, url)


def dataset_kind(dataset: str, name: str) -> str:
    """What `keep_range` checks a body for: the eCO2mix layout, or the `name` export's."""
    return "eco2mix" if dataset in exports.ECO2MIX_DATASETS else name
