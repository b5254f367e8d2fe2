"""The daily load model behind the synthetic generator, and its fit.

Average power on a day (MW) = (base + heating slope x degrees below the heating threshold
+ cooling slope x degrees above the cooling threshold), of the population-weighted mean
temperature, x the weekday level x (1 - each calendar effect that applies). `simulate` draws
from it; `fit` estimates it, on the real exports to calibrate the generator and on the
generator's output to check that the calibration is recovered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import holidays
import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from energy_forecast.core import calendar

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HOLIDAY_NAMES = sorted(set(holidays.France(years=2017).values()))


def holiday_names() -> list[str]:
    return list(_HOLIDAY_NAMES)


def _holiday_name(dates: pd.DatetimeIndex) -> np.ndarray:
    """Each day's public holiday, if it falls Monday to Friday (a weekend is off anyway)."""
    table = holidays.France(years=sorted(set(dates.year)))
    names = np.array([table.get(d.date(), "") for d in dates], dtype=object)
    names[dates.day_of_week >= 5] = ""
    return names


def december_weekdays(dates: pd.DatetimeIndex) -> np.ndarray:
    """24-31 December, Monday to Friday: the year-end slowdown on working days."""
    return (dates.month == 12) & (dates.day >= 24) & (dates.day_of_week < 5)


def design(dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """The calendar inputs of the model for `dates`."""
    names = _holiday_name(dates)
    holiday = names != ""
    return {
        "weekday": dates.day_of_week.to_numpy(),
        "year": dates.year.to_numpy() + (dates.day_of_year.to_numpy() - 1) / 365.25,
        "holiday_name": names,
        "bridge": calendar.is_bridge(dates) & ~holiday,
        "december": december_weekdays(dates) & ~holiday,
        "august": calendar.summer_holiday(dates),
    }


def daily_mw(dates: pd.DatetimeIndex, temperature: np.ndarray, c: Mapping[str, Any]) -> np.ndarray:
    """Expected average power (MW) on each day for the constants `c`."""
    x = design(dates)
    return _mw(x, temperature, c)


def _mw(x: Mapping[str, np.ndarray], temperature: np.ndarray, c: Mapping[str, Any]) -> np.ndarray:
    weather = (
        c["base_mw"] * (1 + c["trend_per_year"] * (x["year"] - c["trend_origin_year"]))
        + c["heating_mw_per_degree"] * np.maximum(0.0, c["heating_threshold"] - temperature)
        + c["cooling_mw_per_degree"] * np.maximum(0.0, temperature - c["cooling_threshold"])
    )
    level = np.asarray([c["weekday_level"][d] for d in WEEKDAYS])[x["weekday"]]
    holiday = np.array([c["holiday_effect"].get(n, 0.0) for n in x["holiday_name"]])
    effects = (
        (1 - holiday)
        * (1 - c["bridge_effect"] * x["bridge"])
        * (1 - c["december_effect"] * x["december"])
        * (1 - c["august_effect"] * x["august"])
    )
    return weather * level * effects


def fit(
    dates: pd.DatetimeIndex, mw: np.ndarray, temperature: np.ndarray, trend_origin_year: float
) -> dict[str, Any]:
    """Least-squares estimate of every constant of the model (relative errors)."""
    x = design(dates)
    names = holiday_names()

    def unpack(p: np.ndarray) -> dict[str, Any]:
        # Levels are relative to the Monday-Friday mean, so that mean is 1 by construction.
        levels = p[7:14] / p[7:12].mean()
        return {
            "base_mw": p[0],
            "heating_mw_per_degree": p[1],
            "heating_threshold": p[2],
            "cooling_mw_per_degree": p[3],
            "cooling_threshold": p[4],
            "trend_per_year": p[5],
            "trend_origin_year": trend_origin_year,
            "august_effect": p[6],
            "weekday_level": dict(zip(WEEKDAYS, levels, strict=True)),
            "bridge_effect": p[14],
            "december_effect": p[15],
            "holiday_effect": dict(zip(names, p[16:], strict=True)),
        }

    def residuals(p: np.ndarray) -> np.ndarray:
        return _mw(x, temperature, unpack(p)) / mw - 1

    start = np.array(
        [45000, 2000, 15, 500, 20, 0, 0.05, *[1.0] * 7, 0.05, 0.05, *[0.1] * len(names)]
    )
    low = np.array([0, 0, 8, 0, 17, -0.1, -0.5, *[0.5] * 7, -0.5, -0.5, *[-0.5] * len(names)])
    high = np.array([2e5, 2e4, 19, 1e4, 27, 0.1, 0.5, *[1.5] * 7, 0.5, 0.5, *[0.5] * len(names)])
    result = least_squares(residuals, start, bounds=(low, high), x_scale="jac")
    constants = unpack(result.x)
    constants["noise_sd"] = float(np.std(residuals(result.x)))
    return constants
