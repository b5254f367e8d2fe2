"""The settings a served model carries: how its features are computed.

`energy_forecast.runtime.settings` parses `params.yaml` into these and the pipeline's own settings.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from energy_forecast.core.inputs import DAILY_MWH_BOUNDS


def _issue_time(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'expected a quoted "HH:MM" (YAML reads an unquoted HH:MM as the number of minutes '
            f"{value})"
        )
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise ValueError(f'expected a Paris time "HH:MM" from 00:30 to 23:59, got {value!r}')
    if issue_minutes(value) < 30:
        raise ValueError(
            f"expected a time from 00:30 (when the day's first half-hour has ended), got {value!r}"
        )
    return value


def check_week_before_is_whole(horizon_days: int, issue_time: str | None) -> None:
    """The consumption lag of a week before is of a whole day: with an issue time, the day
    horizon_days before is not."""
    if issue_time is not None and horizon_days > 6:
        raise ValueError(
            f"forecast.horizon_days: expected at most 6 with an issue time (the day a week "
            f"before the forecast must be known whole), got {horizon_days}"
        )


def issue_minutes(value: str) -> int:
    """Minutes from midnight of an "HH:MM" time."""
    return int(value[:2]) * 60 + int(value[3:])


PositiveInt = Annotated[int, Field(gt=0, strict=True)]
# A Paris wall-clock time of day, from the end of the day's first half-hour on: at 00:00 no
# half-hour of the day has ended, and the day is not known at all.
IssueTime = Annotated[str, BeforeValidator(_issue_time)]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class FeatureComputation(Frozen):
    """The `features` settings that say how features are computed."""

    heating_threshold: float = 15.0
    """°C: heating degrees are max(0, threshold - the population-weighted mean temperature)."""
    cooling_threshold: float = 20.0
    """°C: cooling degrees are max(0, the population-weighted mean temperature - threshold)."""
    night_threshold: float = 10.0
    """°C: cold-night degrees are max(0, threshold - the population-weighted minimum
    temperature)."""
    smoothing_halflife_days: Annotated[float, Field(gt=0)] = 1.0
    """A day's weight in the smoothed temperature halves every this many days back."""
    smoothing_window_days: PositiveInt = 7
    """Days the smoothed temperature looks back, the day itself included."""
    slow_smoothing_halflife_days: Annotated[float, Field(gt=0)] = 5.0
    """The same for the slow smoothing (the season's heating)."""
    slow_smoothing_window_days: PositiveInt = 28
    """Days the slow smoothing looks back."""
    fourier_order: Annotated[int, Field(ge=0, strict=True)] = 4
    """Day-of-year sine and cosine pairs."""
    trend_origin: dt.date = dt.date(2000, 1, 1)
    """`trend` counts years from this day."""


class FeatureSettings(FeatureComputation):
    """How features are computed: what a model carries to compute them again when served."""

    horizon_days: Annotated[int, Field(ge=1, le=7, strict=True)] = 1
    """Set from `forecast.horizon_days`: the consumption lags start that many days before the
    forecast day."""
    issue_time: IssueTime | None = None
    """Set from `forecast.issue_time`: the day `horizon_days` before the forecast day is known
    up to this Paris time (its consumption to then, `consumption_to_issue_mwh`); None: all of
    it."""
    daily_mwh_bounds: tuple[float, float] = DAILY_MWH_BOUNDS
    """Set from `data.quality.daily_mwh_bounds`: a request's known consumption of a day lies
    within them, and its consumption to the issue time below the upper one."""

    @model_validator(mode="after")
    def _week_before_is_whole(self) -> FeatureSettings:
        check_week_before_is_whole(self.horizon_days, self.issue_time)
        return self

    @property
    def complete_lag_days(self) -> int:
        """The forecast for D knows the whole consumption of the days up to D - this."""
        return self.horizon_days + (self.issue_time is not None)

    def for_model(self) -> dict[str, float | int | str | list[float]]:
        """Plain values, as the saved model's feature step holds them."""
        return {k: _plain(v) for k, v in self}


def _plain(value: Any) -> float | int | str | list[float]:
    if isinstance(value, dt.date):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value
