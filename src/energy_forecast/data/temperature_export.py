"""Parse a `temperature-quotidienne-regionale` export into checked rows, one per region and day."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import TEMPERATURE_RANGE
from energy_forecast.data import exports
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.rows import fail_at, refuse_first
from energy_forecast.data.tables import export_days, numbers, read_table


def read_temperature(path: str | Path) -> pd.DataFrame:
    """Parse a `temperature-quotidienne-regionale` export (either variant) into long rows.

    Returns columns date, region (INSEE code), min, max, mean; one row per (date, region).
    """
    path = Path(path)
    long = temperature_rows(read_table(path, TEMPERATURE_REQUIRED), path)
    return one_row_per_region_day(long, path)


TEMPERATURE_REQUIRED = [
    exports.TEMPERATURE_DATE,
    exports.TEMPERATURE_REGION,
    *exports.TEMPERATURE_VALUES,
]


def temperature_rows(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Checked rows of a regional temperature table: date, region, line, min, max, mean."""
    date, expected = export_days(frame[exports.TEMPERATURE_DATE], "temperature")
    fail_at(date.isna(), frame, exports.TEMPERATURE_DATE, path, expected)
    code = pd.to_numeric(frame[exports.TEMPERATURE_REGION].str.strip(), errors="coerce")
    known = sorted(REGIONS)
    fail_at(
        ~code.isin(known), frame, exports.TEMPERATURE_REGION, path, f"an INSEE region code {known}"
    )
    long = pd.DataFrame({"date": date, "region": code.astype(int), "line": frame.index + 2})
    low, high = TEMPERATURE_RANGE
    for column, name in exports.TEMPERATURE_VALUES.items():
        long[name] = numbers(frame, column, path, allow_blank=False)
        refuse_first(
            long,
            (long[name] < low) | (long[name] > high),
            path,
            functools.partial(_implausible, name),
            column,
        )
    _ordered_temperatures(long, path)
    return long


def _implausible(name: str, row: pd.Series) -> str:
    low, high = TEMPERATURE_RANGE
    return (
        f"{row[name]:g} °C for region {row['region']} on {row['date'].date()} is not a "
        f"temperature between {low:g} and {high:g} °C"
    )


# The exports round each value to 0.01 °C.
TEMPERATURE_ROUNDING = 0.01


def _ordered_temperatures(long: pd.DataFrame, path: Path) -> None:
    """A day's minimum is at most its mean, and its mean at most its maximum."""
    slack = TEMPERATURE_ROUNDING
    refuse_first(
        long,
        (long["min"] > long["mean"] + slack) | (long["mean"] > long["max"] + slack),
        path,
        lambda row: (
            f"region {row['region']} on {row['date'].date()}: TMin {row['min']:g}, "
            f"TMoy {row['mean']:g}, TMax {row['max']:g} °C; expected TMin <= TMoy <= TMax"
        ),
    )


def one_row_per_region_day(long: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Identical repeats dropped; different values for a (date, region) refused."""
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
