"""French calendar facts that move electricity demand."""

from __future__ import annotations

from functools import cache

import holidays
import numpy as np
import pandas as pd
from vacances_scolaires_france import SchoolHolidayDates

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import PARIS


@cache
def _holidays_of_year(year: int) -> frozenset[np.datetime64]:
    # Metropolitan France: the Alsace-Moselle extras (Good Friday, 26 December) are regional.
    return frozenset(np.datetime64(d, "D") for d in holidays.France(years=year))


def _days(dates: pd.DatetimeIndex) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[D]")


@cache
def _holidays_of_years(first: int, last: int) -> np.ndarray:
    """The public holidays of the years first..last, sorted: a request asks for the same span
    a dozen times (each calendar feature), and a served model for the same spans all day."""
    return np.array(sorted(d for y in range(first, last + 1) for d in _holidays_of_year(y)))


def _holiday(days: np.ndarray) -> np.ndarray:
    if days.size == 0:
        return np.zeros(0, dtype=bool)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    return np.isin(days, _holidays_of_years(int(years.min()), int(years.max())))


def _off(days: np.ndarray) -> np.ndarray:
    """Weekend or public holiday (1970-01-01, day 0, was a Thursday)."""
    return ((days.astype(np.int64) + 3) % 7 >= 5) | _holiday(days)


def is_holiday(dates: pd.DatetimeIndex) -> np.ndarray:
    return _holiday(_days(dates))


def is_workday(dates: pd.DatetimeIndex) -> np.ndarray:
    """Monday to Friday and not a public holiday."""
    return ~_off(_days(dates))


def is_bridge(dates: pd.DatetimeIndex) -> np.ndarray:
    """A "pont": a lone working day between two days off, at least one a public holiday.

    Monday before a Tuesday holiday, Friday after a Thursday holiday, and a day squeezed
    between two holidays (Wednesday 9 May 2018) are all taken off by many.
    """
    return _bridge(_days(dates))


def _bridge(days: np.ndarray) -> np.ndarray:
    before, after = days - 1, days + 1
    return ~_off(days) & _off(before) & _off(after) & (_holiday(before) | _holiday(after))


def next_to_holiday(dates: pd.DatetimeIndex, offset: int) -> np.ndarray:
    """A working day whose neighbour `offset` days away (-1: the day before, 1: the day after)
    is a public holiday: many take it off, or run slow."""
    days = _days(dates)
    return ~_off(days) & _holiday(days + offset)


@cache
def _school_zones_off() -> tuple[int, int, dict[np.datetime64, int]]:
    """The first and last years of the school calendar, and the zones on holiday each day."""
    calendar = SchoolHolidayDates()
    zones = ("vacances_zone_a", "vacances_zone_b", "vacances_zone_c")
    off = {
        np.datetime64(day, "D"): sum(row[z] for z in zones)
        for year in range(calendar.min_year, calendar.max_year + 1)
        for day, row in calendar.holidays_for_year(year).items()
    }
    return calendar.min_year, calendar.max_year, off


def school_holiday(dates: pd.DatetimeIndex) -> np.ndarray:
    """The share of France's three school zones (A, B, C) on holiday: 0, 1/3, 2/3 or 1, from
    the Ministry's calendar as `vacances-scolaires-france` publishes it."""
    first, last, off = _school_zones_off()
    outside = (dates.year < first) | (dates.year > last)
    if outside.any():
        raise InputError(
            f"feature school_holiday: {dates[outside][0].date()} is outside the school "
            f"calendar ({first}-{last}, vacances-scolaires-france); expected a date it covers"
        )
    return np.array([off.get(day, 0) for day in _days(dates)], dtype=float) / 3


def is_year_end(dates: pd.DatetimeIndex) -> np.ndarray:
    """24 December to 2 January, when offices and factories run slow."""
    return ((dates.month == 12) & (dates.day >= 24)) | ((dates.month == 1) & (dates.day <= 2))


def summer_holiday(dates: pd.DatetimeIndex) -> np.ndarray:
    """Share of France on its August break: from 14 July, full 1-20 August, over by September."""
    doy = dates.day_of_year.to_numpy() - dates.is_leap_year.astype(int) * (dates.month > 2)
    # Non-leap day-of-year: 14 Jul = 195, 1 Aug = 213, 20 Aug = 232, 1 Sep = 244.
    return np.interp(doy, [195, 213, 232, 244], [0.0, 1.0, 1.0, 0.0], left=0.0, right=0.0)


def day_hours(days: pd.DatetimeIndex | pd.Index) -> np.ndarray:
    """Length in hours of each Paris day: 23 on the spring change, 25 in autumn, else 24."""
    start = pd.DatetimeIndex(days).tz_localize(PARIS)
    end = (pd.DatetimeIndex(days) + pd.Timedelta(days=1)).tz_localize(PARIS)
    return ((end - start) / pd.Timedelta(hours=1)).to_numpy()


def special_days(dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """The days a day-ahead forecast misses most, by kind: `holiday` (public holidays, bridges
    and the days next to either), `clock_change` (the 23- and 25-hour days), `year_end` (24
    December to 2 January); `special` is any of them, `other` the rest."""
    days = _days(dates)

    def marked(d: np.ndarray) -> np.ndarray:
        return _holiday(d) | _bridge(d)

    kinds = {
        "holiday": marked(days) | marked(days - 1) | marked(days + 1),
        "clock_change": day_hours(dates) != 24,
        "year_end": is_year_end(dates),
    }
    special = np.logical_or.reduce(list(kinds.values()))
    return kinds | {"special": special, "other": ~special}
