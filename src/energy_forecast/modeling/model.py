"""A served model: the feature builder, then a family's estimator, saved as an MLflow model.

It takes raw inputs (a `date` and the national temperatures its feature set needs), so no
caller ever builds a feature frame by hand, and carries its signature, an input example,
pinned requirements, its own code and the fewest skops trusted types that load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

import energy_forecast
from energy_forecast.features import CONSUMPTION, FeatureBuilder
from energy_forecast.modeling.adaptation import KalmanAdaptive
from energy_forecast.settings import FeatureSettings

PIPELINE_TYPES = [
    "energy_forecast.features.FeatureBuilder",
    "energy_forecast.modeling.adaptation.KalmanAdaptive",
]
REQUIREMENTS = ("mlflow", "scikit-learn", "pandas", "numpy", "scipy", "holidays", "skops")
PACKAGE_DIR = Path(energy_forecast.__file__).parent


def make_model(
    features: list[str], settings: FeatureSettings, estimator: BaseEstimator
) -> Pipeline:
    builder = FeatureBuilder(list(features), settings.for_model())
    return Pipeline([("features", builder), ("model", estimator)])


def required_columns(metadata: Any) -> list[str]:
    """The request columns a logged model cannot do without (not `consumption_mwh`)."""
    return [spec.name for spec in metadata.get_input_schema().inputs if spec.required]


def request_frame(daily: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The request columns of `daily` (see `required_inputs`), dates as the API takes them."""
    frame = daily[columns].copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    return frame.reset_index(drop=True)


def _pinned() -> list[str]:
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in REQUIREMENTS]


def trusted_types(model: Pipeline, allowed: list[str]) -> list[str]:
    """The types skops must be told to trust to load `model`: what it holds, if reviewed."""
    import skops.io

    needed = set(skops.io.get_untrusted_types(data=skops.io.dumps(model)))
    unreviewed = needed - {*PIPELINE_TYPES, *allowed}
    if unreviewed:
        raise ValueError(f"the model holds types no family allows: {sorted(unreviewed)}")
    return sorted(needed)


def signature(model: BaseEstimator, example: pd.DataFrame):
    """The example's columns; an adaptive model also takes the optional `consumption_mwh`."""
    from mlflow.models import infer_signature
    from mlflow.types.schema import ColSpec, Schema

    inferred = infer_signature(example, model.predict(example))
    if not isinstance(model, KalmanAdaptive):
        return inferred
    inputs = Schema([*inferred.inputs.inputs, ColSpec("double", CONSUMPTION, required=False)])
    return type(inferred)(inputs=inputs, outputs=inferred.outputs)


def mlflow_model_args(
    model: BaseEstimator, allowed: list[str], example: pd.DataFrame
) -> dict[str, Any]:
    """Arguments of `mlflow.sklearn.log_model` for `model`."""
    return {
        "sk_model": model,
        "serialization_format": "skops",
        "skops_trusted_types": trusted_types(model, allowed),
        "signature": signature(model, example),
        "input_example": example.head(5),
        "pip_requirements": _pinned(),
        "code_paths": [str(PACKAGE_DIR)],
    }
