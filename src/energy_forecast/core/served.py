"""The served model: the feature builder, then a family's estimator, adapting and banded.

It takes raw inputs (a `date` and the national temperatures its feature set needs), so no
caller ever builds a feature frame by hand, and answers rows of named fields: the forecast and
its bands (`ConformalQuantiles`), or the forecast alone when the request's params say
`point_only`. MLflow loads it as a pyfunc model from code (`pyfunc_entry.py`) around the
estimator saved with skops, trusting only the types its config lists.
"""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from energy_forecast.core.features import CONSUMPTION, FeatureBuilder
from energy_forecast.core.intervals import ConformalQuantiles
from energy_forecast.core.settings import FeatureSettings

# The project's own types every served model holds, beyond a family's.
PIPELINE_TYPES = [
    "energy_forecast.core.features.FeatureBuilder",
    "energy_forecast.core.adaptation.KalmanAdaptive",
    "energy_forecast.core.intervals.ConformalQuantiles",
]
# The request param that asks for the forecast without its bands.
POINT_ONLY = "point_only"
# The estimator's file among the model's artifacts, and the config key of its trusted types.
ESTIMATOR_FILE = "estimator.skops"
TRUSTED_TYPES = "skops_trusted_types"


def make_model(
    features: list[str], settings: FeatureSettings, estimator: BaseEstimator
) -> Pipeline:
    builder = FeatureBuilder(list(features), settings.for_model())
    return Pipeline([("features", builder), ("model", estimator)])


def answer(model: ConformalQuantiles, inputs: pd.DataFrame, point_only: bool) -> pd.DataFrame:
    """What the served model returns for `inputs`: one row per day, named fields."""
    if point_only:
        return pd.DataFrame({CONSUMPTION: model.predict(inputs)})
    return model.predict_intervals(inputs)


class ServedForecaster(mlflow.pyfunc.PythonModel):
    """The pyfunc face of a fitted `ConformalQuantiles`, loaded from its skops file with the
    types the model's config says to trust."""

    def load_context(self, context: Any) -> None:
        import skops.io

        trusted = context.model_config[TRUSTED_TYPES]
        self.model = skops.io.load(context.artifacts["estimator"], trusted=trusted)

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None):
        return answer(self.model, model_input, bool((params or {}).get(POINT_ONLY, False)))
