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
    """Daily plain and population-weighted means over the regions from `start` to `end`,
    indexed by date.

    A region's gap of up to `max_gap_days` consecutive days is filled by linear interpolation
    between the days either side of it, inside the range or beyond its edges where `regional`
    has them, and flagged in `temperature_imputed`. A longer gap, or one with no day after (or
    before) it to interpolate from, is an error that lists the dates.
    """
    start = regional["date"].min() if start is None else start
    end = regional["date"].max() if end is None else end
    in_range = regional[(regional["date"] >= start) & (regional["date"] <= end)]
    if in_range.empty:
        raise InputError(
            f"no temperature between {start.date()} and {end.date()}; the file covers "
            f"{regional['date'].min().date()} to {regional['date'].max().date()}",
            source=source,
        )
    # The days a gap at an edge of the range is interpolated from lie beyond it.
    reach = pd.Timedelta(days=max_gap_days)
    first = max(start - reach, regional["date"].min())
    last = min(end + reach, regional["date"].max())
    days = pd.date_range(min(first, start), max(last, end), freq="D", name="date")
    nearby = regional[(regional["date"] >= first) & (regional["date"] <= last)]
    codes = sorted(REGIONS)
    wide = {
        stat: nearby.pivot(index="date", columns="region", values=stat).reindex(
            index=days, columns=codes
        )
        for stat in TEMPERATURE_STATS
    }
    missing = wide["mean"].isna().to_numpy()
    inside = np.asarray((days >= start) & (days <= end))
    for j, code in enumerate(codes):
        for a, b in consecutive_runs(missing[:, j]):
            if inside[a:b].any():
                _check_gap(days[a:b], a == 0, b == len(days), max_gap_days, code, source)
    weights = pd.Series(population_weights(population_year)).reindex(codes).to_numpy()
    filled = {
        stat: wide[stat].interpolate(method="linear", axis=0, limit_area="inside").loc[inside]
        for stat in TEMPERATURE_STATS
    }
    out = pd.DataFrame(index=days[inside])
    for stat in TEMPERATURE_STATS:
        out[f"avg_{stat}_temperature"] = filled[stat].mean(axis=1)
    for stat in TEMPERATURE_STATS:
        out[f"wavg_{stat}_temperature"] = filled[stat].to_numpy() @ weights
    out["temperature_imputed"] = missing[inside].any(axis=1)
    return out


def _check_gap(
    gap: pd.DatetimeIndex, first: bool, last: bool, max_gap_days: int, code: int, source: str
) -> None:
    """Refuse a region's run of missing days that cannot be interpolated: longer than
    `max_gap_days`, or with no day known before (`first`) or after (`last`) it."""
    dates = [d.date().isoformat() for d in gap]
    shown = dates if len(dates) <= 10 else [*dates[:5], "...", *dates[-5:]]
    missing = (
        f"region {code} ({REGIONS[code].name}) has no temperature on {len(dates)} "
        f"consecutive day(s) {shown}"
    )
    if len(gap) > max_gap_days:
        raise InputError(
            f"{missing}; at most {max_gap_days} consecutive days can be interpolated "
            "(data.quality.max_temperature_gap_days)",
            source=source,
        )
    if first or last:
        side = "before" if first else "after"
        raise InputError(
            f"{missing} and none {side} them to interpolate from; expected the file to "
            f"cover the day {side} {dates[0] if first else dates[-1]}",
            source=source,
        )
