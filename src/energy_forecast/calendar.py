"""French calendar facts that move electricity demand."""

from __future__ import annotations

from functools import cache

import holidays
import numpy as np
import pandas as pd


@cache
def _holidays_of_year(year: int) -> frozenset[np.datetime64]:
    # Metropolitan France: the Alsace-Moselle extras (Good Friday, 26 December) are regional.
    return frozenset(np.datetime64(d, "D") for d in holidays.France(years=year))


def is_holiday(dates: pd.DatetimeIndex) -> np.ndarray:
    days = dates.to_numpy().astype("datetime64[D]")
    years = np.unique(dates.year)
    known = np.array(sorted(set().union(*(_holidays_of_year(int(y)) for y in years))))
    return np.isin(days, known)


def is_bridge(dates: pd.DatetimeIndex) -> np.ndarray:
    """A "pont": a lone working day between two days off, at least one a public holiday.

    Monday before a Tuesday holiday, Friday after a Thursday holiday, and a day squeezed
    between two holidays (Wednesday 9 May 2018) are all taken off by many.
    """
    padded = pd.date_range(dates.min() - pd.Timedelta(days=1), dates.max() + pd.Timedelta(days=1))
    off = pd.Series(is_holiday(padded) | (padded.weekday >= 5), index=padded)
    holiday = pd.Series(is_holiday(padded), index=padded)
    before = off.shift(1, fill_value=False)
    after = off.shift(-1, fill_value=False)
    touches_holiday = holiday.shift(1, fill_value=False) | holiday.shift(-1, fill_value=False)
    bridge = ~off & before & after & touches_holiday
    return bridge.reindex(dates).to_numpy()


def is_year_end(dates: pd.DatetimeIndex) -> np.ndarray:
    """24 December to 2 January, when offices and factories run slow."""
    return ((dates.month == 12) & (dates.day >= 24)) | ((dates.month == 1) & (dates.day <= 2))


def summer_holiday(dates: pd.DatetimeIndex) -> np.ndarray:
    """Share of France on its August break: from 14 July, full 1-20 August, over by September."""
    doy = dates.day_of_year.to_numpy() - dates.is_leap_year.astype(int) * (dates.month > 2)
    # Non-leap day-of-year: 14 Jul = 195, 1 Aug = 213, 20 Aug = 232, 1 Sep = 244.
    return np.interp(doy, [195, 213, 232, 244], [0.0, 1.0, 1.0, 0.0], left=0.0, right=0.0)
