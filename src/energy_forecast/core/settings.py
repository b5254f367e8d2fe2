"""The settings a served model carries: how its features are computed.

`energy_forecast.settings` parses `params.yaml` into these and the pipeline's own settings.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PositiveInt = Annotated[int, Field(gt=0, strict=True)]


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
    fourier_order: Annotated[int, Field(ge=0, strict=True)] = 2
    """Day-of-year sine and cosine pairs."""
    trend_origin: dt.date = dt.date(2000, 1, 1)
    """`trend` counts years from this day."""


class FeatureSettings(FeatureComputation):
    """How features are computed: what a model carries to compute them again when served."""

    horizon_days: Annotated[int, Field(ge=1, le=7, strict=True)] = 1
    """Set from `forecast.horizon_days`: the consumption lags start that many days before the
    forecast day."""

    def for_model(self) -> dict[str, float | int | str]:
        """Plain values, as the saved model's feature step holds them."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self}
