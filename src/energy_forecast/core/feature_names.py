"""The names of the features the code computes: what `params.yaml`'s feature sets may list.

Apart from their code (`features`), so that checking the params does not make every stage
depend on how the features are computed.
"""

from __future__ import annotations

from collections.abc import Sequence

from energy_forecast.core.inputs import TEMPERATURE_COLUMNS
from energy_forecast.core.settings import FeatureSettings

DEFAULTS = FeatureSettings()
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDAR_FEATURES = [
    "weekday",
    *(f"is_{name}" for name in WEEKDAY_NAMES[:5]),
    "week",
    "month",
    "year",
    "is_holiday",
    "workday_holiday",
    "is_saturday",
    "is_sunday",
    "is_bridge",
    "is_year_end",
    "holiday_eve",
    "holiday_after",
    "school_holiday",
    "summer_holiday",
    "year_end_workday",
    "summer_workday",
    "clock_change",
    "summer_time",
    "trend",
]
DERIVED_TEMPERATURE_FEATURES = [
    "heating_degrees",
    "cooling_degrees",
    "smoothed_temperature",
    "smoothed_heating_degrees",
    "smoothed_heating_degrees_squared",
    "slow_smoothed_temperature",
    "slow_heating_degrees",
    "cold_night_degrees",
    "smoothed_min_temperature",
    "smoothed_max_temperature",
]
# Whole days' consumption known at forecast time, in logs: the last whole day (D - horizon_days,
# or the day before it when an issue time leaves that one partly known: the adaptation reads the
# part), the day a week before, and the mean of the seven days up to the first. Where the
# request does not carry a day's consumption, the feature is missing (NaN): a model that needs
# it must say how to fill it.
CONSUMPTION_FEATURES = ["log_consumption_lag_h", "log_consumption_lag_7", "log_consumption_mean_7"]


def fourier_features(order: int) -> list[str]:
    return [f"doy_{fn}{k}" for k in range(1, order + 1) for fn in ("sin", "cos")]


def known_features(settings: FeatureSettings = DEFAULTS) -> list[str]:
    return [
        *CALENDAR_FEATURES,
        *fourier_features(settings.fourier_order),
        *TEMPERATURE_COLUMNS,
        *DERIVED_TEMPERATURE_FEATURES,
        *CONSUMPTION_FEATURES,
    ]


def unknown_features(features: Sequence[str], settings: FeatureSettings = DEFAULTS) -> list[str]:
    return [f for f in features if f not in known_features(settings)]
