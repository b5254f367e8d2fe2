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


# Paris days as NumPy days (`datetime64[D]`): every fact below is arithmetic or a sorted lookup
# on them, which a served request pays for each of its calendar features.
Days = np.ndarray


def _days(dates: pd.DatetimeIndex | Days) -> Days:
    return np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[D]")


def _years(days: Days) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(int) + 1970


def _found(days: Days, sorted_days: Days) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `days` stands in `sorted_days`, and whether it is there."""
    if sorted_days.size == 0:
        return np.zeros(days.shape, dtype=int), np.zeros(days.shape, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_days, days), sorted_days.size - 1)
    return at, sorted_days[at] == days


@cache
def _holidays_of_years(first: int, last: int) -> Days:
    """The public holidays of the years first..last, sorted: a request asks for the same span
    a dozen times (each calendar feature), and a served model for the same spans all day."""
    return np.array(
        sorted(d for y in range(first, last + 1) for d in _holidays_of_year(y)),
        dtype="datetime64[D]",
    )


def _holiday(days: Days) -> np.ndarray:
    if days.size == 0:
        return np.zeros(0, dtype=bool)
    years = _years(days)
    return _found(days, _holidays_of_years(int(years.min()), int(years.max())))[1]


def _off(days: Days) -> np.ndarray:
    """Weekend or public holiday (1970-01-01, day 0, was a Thursday)."""
    return ((days.astype(np.int64) + 3) % 7 >= 5) | _holiday(days)


def _month_and_day(days: Days) -> tuple[np.ndarray, np.ndarray]:
    months = days.astype("datetime64[M]")
    return months.astype(int) % 12 + 1, (days - months).astype(int) + 1


def is_holiday(dates: pd.DatetimeIndex | Days) -> np.ndarray:
    return _holiday(_days(dates))


def is_workday(dates: pd.DatetimeIndex | Days) -> np.ndarray:
    """Monday to Friday and not a public holiday."""
    return ~_off(_days(dates))


def is_bridge(dates: pd.DatetimeIndex | Days) -> np.ndarray:
    """A "pont": a lone working day between two days off, at least one a public holiday.

    Monday before a Tuesday holiday, Friday after a Thursday holiday, and a day squeezed
    between two holidays (Wednesday 9 May 2018) are all taken off by many.
    """
    return _bridge(_days(dates))


def _bridge(days: Days) -> np.ndarray:
    before, after = days - 1, days + 1
    return ~_off(days) & _off(before) & _off(after) & (_holiday(before) | _holiday(after))


def next_to_holiday(dates: pd.DatetimeIndex | Days, offset: int) -> np.ndarray:
    """A working day whose neighbour `offset` days away (-1: the day before, 1: the day after)
    is a public holiday: many take it off, or run slow."""
    days = _days(dates)
    return ~_off(days) & _holiday(days + offset)


@cache
def _school_zones_off() -> tuple[int, int, Days, np.ndarray]:
    """The first and last years of the school calendar, and the days with any zone on
    holiday (sorted) with the number of zones off on each."""
    calendar = SchoolHolidayDates()
    zones = ("vacances_zone_a", "vacances_zone_b", "vacances_zone_c")
    off = {
        np.datetime64(day, "D"): sum(row[z] for z in zones)
        for year in range(calendar.min_year, calendar.max_year + 1)
        for day, row in calendar.holidays_for_year(year).items()
    }
    days = np.array(sorted(off), dtype="datetime64[D]")
    return calendar.min_year, calendar.max_year, days, np.array([off[d] for d in days])


def school_holiday(dates: pd.DatetimeIndex | Days) -> np.ndarray:
    """The share of France's three school zones (A, B, C) on holiday: 0, 1/3, 2/3 or 1, from
    the Ministry's calendar as `vacances-scolaires-france` publishes it."""
    first, last, days_off, zones_off = _school_zones_off()
    days = _days(dates)
    years = _years(days)
    outside = (years < first) | (years > last)
    if outside.any():
        raise InputError(
            f"feature school_holiday: {days[outside][0]} is outside the school "
            f"calendar ({first}-{last}, vacances-scolaires-france); expected a date it covers"
        )
    at, found = _found(days, days_off)
    return np.where(found, zones_off[at], 0).astype(float) / 3


def is_year_end(dates: pd.DatetimeIndex | Days) -> np.ndarray:
    """24 December to 2 January, when offices and factories run slow."""
    month, day = _month_and_day(_days(dates))
    return ((month == 12) & (day >= 24)) | ((month == 1) & (day <= 2))


def summer_holiday(dates: pd.DatetimeIndex | Days) -> np.ndarray:
    """Share of France on its August break: from 14 July, full 1-20 August, over by September."""
    days = _days(dates)
    years = days.astype("datetime64[Y]")
    # Non-leap day-of-year: 14 Jul = 195, 1 Aug = 213, 20 Aug = 232, 1 Sep = 244.
    doy = (days - years).astype(int) + 1
    leap = (years + 1).astype("datetime64[D]") - years.astype("datetime64[D]") == 366
    doy = doy - (leap & (doy > 60))
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
