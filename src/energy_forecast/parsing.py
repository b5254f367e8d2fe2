"""Parse RTE's ODRÉ exports into clean tables, refusing anything they cannot vouch for.

Day energy (a documented choice): the export gives average MW per half-hour in Paris wall-clock
time and always 48 rows per day, but Paris days last 23 h (spring) or 25 h (autumn). Rows whose
wall-clock time does not exist (02:00 and 02:30 on the spring change, which repeat other values)
are dropped; each remaining row is filed under the Paris day of its own instant (`Date - Heure`),
which also puts a midnight row filed under the day before back where it belongs. A day's energy
is then its mean MW times its real length in hours: on ordinary and spring days that is exactly
the sum of its half-hours times 0.5; on the autumn day it fills the two half-hours the export
leaves out with the day's mean instead of losing an hour of consumption.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from energy_forecast import exports
from energy_forecast.errors import InputError
from energy_forecast.regions import REGIONS

# The least final status wins when a day mixes them.
STATUS_ORDER = ["Définitif", "Consolidé", "Temps réel"]
_HEURE = re.compile(r"^([01]\d|2[0-3]):[03]0$")


@dataclass
class ConsumptionDays:
    """One row per complete Paris day, and what was left out and why."""

    table: pd.DataFrame  # index date; consumption_mwh, status, n_halfhours
    incomplete: list[pd.Timestamp] = field(default_factory=list)
    refiled_rows: int = 0
    dropped_spring_rows: int = 0


def _read_table(path: Path, required: list[str], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a `;`-separated UTF-8 export as strings, checking encoding, separator and columns."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"byte 0x{raw[err.start]:02x} is not UTF-8; expected a UTF-8 ODRÉ export",
            source=str(path),
            line=line,
        ) from None
    header = text.split("\n", 1)[0].rstrip("\r")
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
        raise InputError(f"malformed row: {err}", source=str(path)) from None
    if frame.empty:
        raise InputError("no data rows below the header", source=str(path), line=2)
    return frame


def _line(index: int) -> int:
    """File line of data row `index` (line 1 is the header)."""
    return int(index) + 2


def _fail_at(mask: pd.Series, frame: pd.DataFrame, column: str, path: Path, expected: str) -> None:
    if mask.any():
        first = int(np.flatnonzero(mask.to_numpy())[0])
        value = frame[column].iloc[first]
        raise InputError(
            f"{value!r} is not {expected}", source=str(path), line=_line(first), column=column
        )


def _numbers(frame: pd.DataFrame, column: str, path: Path, allow_blank: bool) -> pd.Series:
    text = frame[column].str.strip()
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = values.isna() & (text != "") if allow_blank else values.isna()
    _fail_at(bad, frame, column, path, "a number")
    return values


def read_consumption(path: str | Path) -> ConsumptionDays:
    """Parse a `consommation-quotidienne-brute` export into daily electricity energy (MWh)."""
    path = Path(path)
    cols = [
        exports.CONSUMPTION_INSTANT,
        exports.CONSUMPTION_DATE,
        exports.CONSUMPTION_TIME,
        exports.CONSUMPTION_MW,
        exports.CONSUMPTION_STATUS,
    ]
    frame = _read_table(path, cols)
    date = pd.to_datetime(frame[exports.CONSUMPTION_DATE], format="%d/%m/%Y", errors="coerce")
    _fail_at(date.isna(), frame, exports.CONSUMPTION_DATE, path, "a date as dd/mm/yyyy")
    heure = frame[exports.CONSUMPTION_TIME]
    _fail_at(~heure.str.match(_HEURE), frame, exports.CONSUMPTION_TIME, path, "a half-hour HH:MM")
    instant = pd.to_datetime(
        frame[exports.CONSUMPTION_INSTANT], format="ISO8601", utc=True, errors="coerce"
    )
    _fail_at(
        instant.isna(), frame, exports.CONSUMPTION_INSTANT, path, "an ISO 8601 time with offset"
    )
    mw = _numbers(frame, exports.CONSUMPTION_MW, path, allow_blank=True)
    status = frame[exports.CONSUMPTION_STATUS].str.strip()
    unknown = ~status.isin(STATUS_ORDER) & mw.notna()
    _fail_at(unknown, frame, exports.CONSUMPTION_STATUS, path, f"one of {STATUS_ORDER}")

    wall = date + pd.to_timedelta(heure.str[:2].astype(int) * 60 + heure.str[3:].astype(int), "min")
    localized = wall.dt.tz_localize(
        exports.PARIS, nonexistent="NaT", ambiguous=np.ones(len(wall), dtype=bool)
    )
    spring_artefact = localized.isna()
    # A blank MW is a half-hour not published yet: it counts as missing, not as an error.
    keep = (~spring_artefact & mw.notna()).to_numpy()
    rows = pd.DataFrame(
        {
            "line": np.arange(len(frame)) + 2,
            "instant": instant,
            "mw": mw,
            "status": status,
            "filed": date,
        }
    )[keep]
    local = rows["instant"].dt.tz_convert(exports.PARIS)
    rows["day"] = local.dt.tz_localize(None).dt.normalize()
    refiled = int((rows["day"] != rows["filed"]).sum())

    dup = rows.duplicated("instant", keep=False)
    if dup.any():
        dups = rows[dup].sort_values(["instant", "line"])
        conflict = dups.groupby("instant")["mw"].nunique() > 1
        if conflict.any():
            at = conflict[conflict].index[0]
            lines = dups.loc[dups["instant"] == at, "line"].tolist()
            values = dups.loc[dups["instant"] == at, "mw"].tolist()
            raise InputError(
                f"half-hour {at.tz_convert(exports.PARIS)} appears on lines {lines} with "
                f"different values {values}; expected one value per half-hour",
                source=str(path),
                line=lines[1],
                column=exports.CONSUMPTION_MW,
            )
        rows = rows.drop_duplicates("instant")

    rank = pd.Categorical(rows["status"], categories=STATUS_ORDER).codes
    days = (
        rows.assign(rank=rank)
        .groupby("day")
        .agg(mean_mw=("mw", "mean"), n_halfhours=("mw", "size"), rank=("rank", "max"))
    )
    hours = day_hours(days.index)
    # The export carries 46 real half-hours on the spring day and 48 of the 50 in autumn.
    expected = np.where(hours == 23, 46, 48)
    complete = days["n_halfhours"].to_numpy() >= expected
    table = pd.DataFrame(
        {
            "consumption_mwh": days["mean_mw"].to_numpy() * hours,
            "status": np.asarray(STATUS_ORDER, dtype=object)[days["rank"].to_numpy()],
            "n_halfhours": days["n_halfhours"].to_numpy(),
        },
        index=pd.DatetimeIndex(days.index, name="date"),
    )[complete]
    return ConsumptionDays(
        table=table,
        incomplete=list(days.index[~complete]),
        refiled_rows=refiled,
        dropped_spring_rows=int(spring_artefact.sum()),
    )


def day_hours(days: pd.DatetimeIndex | pd.Index) -> np.ndarray:
    """Length in hours of each Paris day: 23 on the spring change, 25 in autumn, else 24."""
    start = pd.DatetimeIndex(days).tz_localize(exports.PARIS)
    end = (pd.DatetimeIndex(days) + pd.Timedelta(days=1)).tz_localize(exports.PARIS)
    return ((end - start) / pd.Timedelta(hours=1)).to_numpy()


def read_temperature(path: str | Path) -> pd.DataFrame:
    """Parse a `temperature-quotidienne-regionale` export (either variant) into long rows.

    Returns columns date, region (INSEE code), min, max, mean; one row per (date, region).
    """
    path = Path(path)
    required = [exports.TEMPERATURE_DATE, exports.TEMPERATURE_REGION, *exports.TEMPERATURE_VALUES]
    frame = _read_table(path, required)
    raw_date = frame[exports.TEMPERATURE_DATE].str.strip()
    # Current exports write ISO dates; a spreadsheet re-save writes dd/mm/yy.
    iso = raw_date.iloc[0][:4].isdigit() and raw_date.iloc[0][4:5] == "-"
    fmt, expected = (
        ("%Y-%m-%d", "an ISO date YYYY-MM-DD") if iso else ("%d/%m/%y", "a dd/mm/yy date")
    )
    date = pd.to_datetime(raw_date.str[:10] if iso else raw_date, format=fmt, errors="coerce")
    _fail_at(date.isna(), frame, exports.TEMPERATURE_DATE, path, expected)
    code = pd.to_numeric(frame[exports.TEMPERATURE_REGION].str.strip(), errors="coerce")
    known = sorted(REGIONS)
    _fail_at(
        ~code.isin(known), frame, exports.TEMPERATURE_REGION, path, f"an INSEE region code {known}"
    )
    long = pd.DataFrame({"date": date, "region": code.astype(int), "line": frame.index + 2})
    for column, name in exports.TEMPERATURE_VALUES.items():
        long[name] = _numbers(frame, column, path, allow_blank=False)

    dup = long.duplicated(["date", "region"], keep=False)
    if dup.any():
        dups = long[dup]
        values = list(exports.TEMPERATURE_VALUES.values())
        spread = dups.groupby(["date", "region"])[values].nunique().max(axis=1)
        if (spread > 1).any():
            day, region = spread[spread > 1].index[0]
            lines = dups.loc[(dups["date"] == day) & (dups["region"] == region), "line"].tolist()
            raise InputError(
                f"region {region} on {day.date()} appears on lines {lines} with different "
                "values; expected one row per (date, region)",
                source=str(path),
                line=lines[1],
            )
        long = long.drop_duplicates(["date", "region"])
    return long.drop(columns="line").sort_values(["date", "region"]).reset_index(drop=True)
