"""The file format of weather forecasts (docs/forecasting.md): a regional temperature export's
columns after an `issued_at` column, written and read; and a file's forecasts as they stood at
a time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import PARIS
from energy_forecast.data import exports
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.rows import fail_at
from energy_forecast.data.tables import read_table
from energy_forecast.data.temperature_export import (
    TEMPERATURE_REQUIRED,
    one_row_per_region_day,
    temperature_rows,
)


def forecast_file_rows(
    issued: pd.DatetimeIndex,
    dates: pd.DatetimeIndex,
    regions: np.ndarray | int,
    values: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Rows of a temperature forecast file, as `read_temperature_forecasts` reads them: each
    `issued` instant in Paris time, ISO 8601 with its offset; `values` (`min`, `max`, `mean`)
    to 0.01 °C."""
    return pd.DataFrame(
        {
            exports.FORECAST_ISSUED: pd.DatetimeIndex(issued)
            .tz_convert(PARIS)
            .map(pd.Timestamp.isoformat),
            exports.TEMPERATURE_DATE: pd.DatetimeIndex(dates).strftime("%Y-%m-%d"),
            exports.TEMPERATURE_REGION: regions,
            **{
                label: np.round(np.asarray(values[key], dtype=float), 2)
                for label, key in exports.TEMPERATURE_VALUES.items()
            },
        }
    )


def read_temperature_forecasts(path: str | Path) -> pd.DataFrame:
    """Parse a temperature forecast file: the columns of a regional temperature export
    (`Date`, `Code INSEE région`, `TMin (°C)`, `TMax (°C)`, `TMoy (°C)`) after an `issued_at`
    column (ISO 8601 with offset); without `Code INSEE région`, national values, which stand
    for every region. Returns the rows of `read_temperature` with `issued` (UTC) beside them,
    every forecast the file holds; a file of the header alone holds none."""
    path = Path(path)
    national = [c for c in TEMPERATURE_REQUIRED if c != exports.TEMPERATURE_REGION]
    frame = read_table(path, [exports.FORECAST_ISSUED, *national], (exports.TEMPERATURE_REGION,))
    if exports.TEMPERATURE_REGION not in frame.columns:
        # National values: each row stands for every region, so that the national means the
        # regions make are its values.
        frame = frame.loc[frame.index.repeat(len(REGIONS))]
        frame[exports.TEMPERATURE_REGION] = [str(c) for c in sorted(REGIONS)] * (
            len(frame) // len(REGIONS)
        )
    text = frame[exports.FORECAST_ISSUED].str.strip()
    issued = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    # A time without its offset would be read as UTC: an hour or two off in Paris.
    bad = issued.isna() | ~text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    fail_at(bad, frame, exports.FORECAST_ISSUED, path, "an ISO 8601 time with its UTC offset")
    return temperature_rows(frame, path).assign(issued=issued.to_numpy())


def as_issued(forecasts: pd.DataFrame, issued_by: pd.Timestamp, source: str) -> pd.DataFrame:
    """Of `read_temperature_forecasts`' rows, each (date, region) from the latest forecast issued
    by `issued_by`, as `read_temperature` returns observations with the time it was `issued`;
    forecasts issued later are never read."""
    known = forecasts[forecasts["issued"] <= issued_by]
    if known.empty:
        first = (
            f"the first was issued {forecasts['issued'].min().tz_convert(PARIS):%Y-%m-%d %H:%M %Z}"
            if len(forecasts)
            else "it holds none"
        )
        raise InputError(
            f"no forecast issued by {issued_by.tz_convert(PARIS):%Y-%m-%d %H:%M %Z}; {first}",
            source=source,
            column=exports.FORECAST_ISSUED,
        )
    latest = known[known["issued"] == known.groupby(["date", "region"])["issued"].transform("max")]
    return one_row_per_region_day(latest, Path(source))
