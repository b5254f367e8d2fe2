"""From 13 regional temperature series to the article's six national columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import TEMPERATURE_STATS
from energy_forecast.data.regions import REGIONS, population_weights


def consecutive_runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the consecutive True runs in `missing`."""
    edges = np.diff(np.concatenate([[0], missing.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def national_temperatures(
    regional: pd.DataFrame,
    population_year: int,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    source: str = "temperature",
    max_gap_days: int = 3,
) -> pd.DataFrame:
    """Daily plain and population-weighted means over the regions, indexed by date.

    A region's gap of up to `max_gap_days` consecutive days inside the range is filled by linear
    interpolation and flagged in `temperature_imputed`; a longer gap, or one at an edge of the
    range where there is nothing to interpolate from, is an error that lists the dates.
    """
    start = regional["date"].min() if start is None else start
    end = regional["date"].max() if end is None else end
    days = pd.date_range(start, end, freq="D", name="date")
    in_range = regional[(regional["date"] >= start) & (regional["date"] <= end)]
    if in_range.empty:
        raise InputError(
            f"no temperature between {start.date()} and {end.date()}; the file covers "
            f"{regional['date'].min().date()} to {regional['date'].max().date()}",
            source=source,
        )
    codes = sorted(REGIONS)
    wide = {
        stat: in_range.pivot(index="date", columns="region", values=stat).reindex(
            index=days, columns=codes
        )
        for stat in TEMPERATURE_STATS
    }
    missing = wide["mean"].isna().to_numpy()
    imputed = missing.any(axis=1)
    for j, code in enumerate(codes):
        for a, b in consecutive_runs(missing[:, j]):
            if b - a > max_gap_days or a == 0 or b == len(days):
                dates = [d.date().isoformat() for d in days[a:b]]
                shown = dates if len(dates) <= 10 else [*dates[:5], "...", *dates[-5:]]
                raise InputError(
                    f"region {code} ({REGIONS[code].name}) has no temperature on {len(dates)} "
                    f"consecutive day(s) {shown}; at most {max_gap_days} days inside the "
                    "range can be interpolated (data.quality.max_temperature_gap_days)",
                    source=source,
                )
    weights = pd.Series(population_weights(population_year)).reindex(codes).to_numpy()
    out = pd.DataFrame(index=days)
    filled = {
        stat: wide[stat].interpolate(method="linear", axis=0, limit_area="inside")
        for stat in TEMPERATURE_STATS
    }
    for stat in TEMPERATURE_STATS:
        out[f"avg_{stat}_temperature"] = filled[stat].mean(axis=1)
    for stat in TEMPERATURE_STATS:
        out[f"wavg_{stat}_temperature"] = filled[stat].to_numpy() @ weights
    out["temperature_imputed"] = imputed
    return out
