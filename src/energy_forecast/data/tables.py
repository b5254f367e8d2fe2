"""An RTE export's text as a table of strings: encoding, separator, columns, numbers, days.

Every export reader (`consumption_export`, `temperature_export`, `weather_forecasts`) starts
here, so that a broken file is named the same way whatever its format.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.data import exports
from energy_forecast.data.rows import fail_at, malformed

# The first columns of RTE's annual eCO2mix exports (`eCO2mix_RTE_Annuel-Definitif_YYYY.xls`):
# a Latin-1 text whatever its name says.
ECO2MIX_ANNUAL_HEADER = "\t".join(exports.ECO2MIX_ANNUAL_COLUMNS).encode("latin-1")
ZIP_MAGIC = b"PK\x03\x04"


def export_bytes(path: Path) -> bytes:
    """The export's bytes; for a zip of one export, as RTE's eCO2mix page hands them out, the
    bytes of the file inside."""
    raw = path.read_bytes()
    if not raw.startswith(ZIP_MAGIC):
        return raw
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = [name for name in archive.namelist() if not name.endswith("/")]
            if len(names) != 1:
                raise InputError(
                    f"a zip of {len(names)} files {names}; expected one export in it",
                    source=str(path),
                )
            return archive.read(names[0])
    except zipfile.BadZipFile as err:
        raise InputError(
            f"a damaged zip ({err}); expected RTE's zip of one export", source=str(path)
        ) from None


def decoded_text(path: Path) -> str:
    raw = export_bytes(path)
    if raw.startswith(ECO2MIX_ANNUAL_HEADER):
        return raw.decode("latin-1")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"byte 0x{raw[err.start]:02x} is not UTF-8; expected a UTF-8 ODRÉ export",
            source=str(path),
            line=line,
        ) from None


def header_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def read_table(
    path: Path, required: list[str], optional: tuple[str, ...] = (), text: str | None = None
) -> pd.DataFrame:
    """Read a `;`-separated UTF-8 export as strings, checking encoding, separator and columns."""
    text = decoded_text(path) if text is None else text
    header = header_line(text)
    if not header:
        raise InputError("the file is empty; expected a header line", source=str(path), line=1)
    if exports.SEPARATOR not in header:
        found = next((s for s in (",", "\t", "|") if s in header), None)
        hint = f" (the header looks {found!r}-separated)" if found else ""
        raise InputError(
            f"expected {exports.SEPARATOR!r}-separated columns{hint}", source=str(path), line=1
        )
    names = header.split(exports.SEPARATOR)
    for column in required:
        if column not in names:
            raise InputError(
                f"missing column {column!r}; the header has {names}", source=str(path), line=1
            )
    usecols = [c for c in names if c in required or c in optional]
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=exports.SEPARATOR,
            dtype=str,
            usecols=usecols,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as err:
        raise malformed(err, path) from None
    if frame.empty:
        raise InputError("no data rows below the header", source=str(path), line=2)
    return frame


def numbers(frame: pd.DataFrame, column: str, path: Path, allow_blank: bool) -> pd.Series:
    text = frame[column].str.strip()
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = values.isna() & (text != "") if allow_blank else values.isna()
    fail_at(bad, frame, column, path, "a number")
    return values


def export_days(values: pd.Series, dataset: str) -> tuple[pd.Series, str]:
    """The Paris day of each row of an export's day column, NaT where unreadable.

    Consumption exports write `dd/mm/yyyy`, eCO2mix ones ISO dates; temperature exports write
    ISO dates (possibly with a
    time) or, once re-saved by a spreadsheet, `dd/mm/yy`, decided from the first row. Returns the
    days and a description of the expected format, for error messages.
    """
    text = values.astype(str).str.strip()
    if dataset == "consumption":
        fmt, expected = "%d/%m/%Y", "a date as dd/mm/yyyy"
    elif dataset == "eco2mix":
        fmt, expected = "%Y-%m-%d", "an ISO date YYYY-MM-DD"
    elif text.iloc[0][:4].isdigit() and text.iloc[0][4:5] == "-":
        fmt, expected, text = "%Y-%m-%d", "an ISO date YYYY-MM-DD", text.str[:10]
    else:
        fmt, expected = "%d/%m/%y", "a dd/mm/yy date"
    return pd.to_datetime(text, format=fmt, errors="coerce"), expected
