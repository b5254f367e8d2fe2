"""The served model: the feature builder, then a family's estimator (on the day length's
scale), adapting and banded.

It takes raw inputs (a `date` and the national temperatures its feature set needs), so no
caller ever builds a feature frame by hand, and answers rows of named fields: the forecast and
its bands (`ConformalQuantiles`), or the forecast alone when the request's params say
`point_only`; with `resolution` `30min` or `1h`, each day's curve (`curve.LoadProfile`, saved
beside the estimator), the intervals' energy summing to the daily forecast. MLflow loads it as
a pyfunc model from code (`pyfunc_entry.py`) around the estimator saved with skops, trusting
only the types its config lists.
"""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

from energy_forecast.core.adaptation import KalmanAdaptive
from energy_forecast.core.calendar import day_hours
from energy_forecast.core.curve import RESOLUTIONS, LoadProfile, at_resolution
from energy_forecast.core.errors import InputError
from energy_forecast.core.features import CONSUMPTION, FeatureBuilder, parse_dates, request_errors
from energy_forecast.core.intervals import ConformalQuantiles
from energy_forecast.core.settings import FeatureSettings

# The project's own types every served model holds, beyond a family's.
PIPELINE_TYPES = [
    "energy_forecast.core.served.DayLengthScaled",
    "energy_forecast.core.features.FeatureBuilder",
    "energy_forecast.core.adaptation.KalmanAdaptive",
    "energy_forecast.core.intervals.ConformalQuantiles",
    "energy_forecast.core.curve.LoadProfile",
    "energy_forecast.core.curve.SeasonalInteractions",
]
# The request param that asks for the forecast without its bands.
POINT_ONLY = "point_only"
# The request param that asks for the load curve (`30min`, `1h`) instead of the day (`1d`).
RESOLUTION = "resolution"
DAILY = RESOLUTIONS[-1]
# The curve's profile model among the artifacts, and the config key of its trusted types.
PROFILE = "profile"
PROFILE_FILE = "profile.skops"
PROFILE_TRUSTED_TYPES = "profile_skops_trusted_types"
# The estimator's file among the model's artifacts, and the config key of its trusted types.
ESTIMATOR_FILE = "estimator.skops"
TRUSTED_TYPES = "skops_trusted_types"


class DayLengthScaled(RegressorMixin, BaseEstimator):
    """`estimator` fitted on each day's energy as a 24-hour day at the same mean power would
    use it (y x 24 / hours); its forecast scaled back by hours / 24.

    A Paris day lasts 23 hours in spring and 25 in autumn, and its energy with it, exactly: a
    fact of the calendar, not something to learn from six days in three years. Every other
    day's factor is 1.0, so its target is exactly the day's energy."""

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "estimator": [HasMethods(["fit", "predict"])],
    }

    def __init__(self, estimator: BaseEstimator | None = None) -> None:
        self.estimator = estimator

    def fit(self, X: pd.DataFrame, y: Any) -> DayLengthScaled:
        self._validate_params()
        y = np.asarray(y, dtype=float) * _per_day(X)
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray(self.estimator_.predict(X), dtype=float) / _per_day(X)


def _per_day(X: pd.DataFrame) -> np.ndarray:
    """24 / each row's day length in hours."""
    return 24.0 / day_hours(parse_dates(X["date"], "request"))


def make_model(
    features: list[str], settings: FeatureSettings, estimator: BaseEstimator
) -> DayLengthScaled:
    """The static model: the feature builder, then `estimator`, on the day length's scale."""
    builder = FeatureBuilder(list(features), settings.for_model())
    return DayLengthScaled(Pipeline([("features", builder), ("model", estimator)]))


def served_forecaster(
    static: BaseEstimator, *, adaptation: dict[str, Any] | None, bands: dict[str, Any]
) -> ConformalQuantiles:
    """What a served model is, unfitted: the `static` model, tracking its error day by day
    (`KalmanAdaptive` with the parameters `adaptation`; None: it does not), with the bands of
    `ConformalQuantiles` with the parameters `bands`."""
    forecaster = static if adaptation is None else KalmanAdaptive(static, **adaptation)
    return ConformalQuantiles(forecaster, **bands)


def answer(
    model: ConformalQuantiles,
    inputs: pd.DataFrame,
    point_only: bool,
    resolution: str = DAILY,
    profile: LoadProfile | None = None,
) -> pd.DataFrame:
    """What the served model returns for `inputs`: one row per day, named fields; at a
    `resolution` finer than the day, one row per interval of each day forecast (each day
    whose consumption the request does not carry: a forecast's history is context), the daily
    forecast shaped by `profile` (`LoadProfile.curve`), with UTC and Paris timestamps."""
    with request_errors():
        if resolution not in RESOLUTIONS:
            raise InputError(
                f"params.{RESOLUTION}: expected one of {list(RESOLUTIONS)}, got {resolution!r}"
            )
        if resolution != DAILY and profile is None:
            raise InputError(f"params.{RESOLUTION}: this model has no load curve; ask for {DAILY}")
    if point_only:
        daily = pd.DataFrame({CONSUMPTION: model.predict(inputs)})
    else:
        daily = model.predict_intervals(inputs)
    if resolution == DAILY or profile is None:
        return daily
    asked = inputs[CONSUMPTION].isna().to_numpy() if CONSUMPTION in inputs else None
    return at_resolution(profile.curve(inputs, daily, asked), resolution)


class ServedForecaster(mlflow.pyfunc.PythonModel):
    """The pyfunc face of a fitted `ConformalQuantiles`, loaded from its skops file with the
    types the model's config says to trust."""

    def load_context(self, context: Any) -> None:
        import skops.io

        trusted = context.model_config[TRUSTED_TYPES]
        self.model = skops.io.load(context.artifacts["estimator"], trusted=trusted)
        self.profile = None
        if PROFILE in context.artifacts:
            self.profile = skops.io.load(
                context.artifacts[PROFILE], trusted=context.model_config[PROFILE_TRUSTED_TYPES]
            )

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None):
        params = params or {}
        return answer(
            self.model,
            model_input,
            bool(params.get(POINT_ONLY, False)),
            str(params.get(RESOLUTION, DAILY)),
            self.profile,
        )
