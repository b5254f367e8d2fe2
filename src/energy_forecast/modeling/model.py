"""A served model: the feature builder, then a family's estimator, saved as an MLflow model.

It takes raw inputs (a `date` and the national temperatures its feature set needs), so no
caller ever builds a feature frame by hand, and answers rows of named fields: the forecast and
its bands (`ConformalQuantiles`), or the forecast alone when the request's params say
`point_only`. It is an MLflow pyfunc model (the sklearn flavour passes no params) around the
estimator saved with skops, and carries its signature, an input example, pinned requirements,
its own code and the fewest skops trusted types that load it.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

import energy_forecast
from energy_forecast.features import CONSUMPTION, FeatureBuilder
from energy_forecast.modeling.intervals import ConformalQuantiles
from energy_forecast.settings import FeatureSettings

PIPELINE_TYPES = [
    "energy_forecast.features.FeatureBuilder",
    "energy_forecast.modeling.adaptation.KalmanAdaptive",
    "energy_forecast.modeling.intervals.ConformalQuantiles",
]
# The request param that asks for the forecast without its bands.
POINT_ONLY = "point_only"
ESTIMATOR_FILE = "estimator.skops"
TRUSTED_TYPES = "skops_trusted_types"
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


def signature(model: ConformalQuantiles, example: pd.DataFrame):
    """The example's columns and the optional `consumption_mwh`, the answer's fields, and the
    `point_only` param."""
    from mlflow.models import infer_signature
    from mlflow.types.schema import ColSpec, Schema

    inferred = infer_signature(
        example, answer(model, example, point_only=False), params={POINT_ONLY: False}
    )
    inputs = Schema([*inferred.inputs.inputs, ColSpec("double", CONSUMPTION, required=False)])
    return type(inferred)(inputs=inputs, outputs=inferred.outputs, params=inferred.params)


# A zip member's time when it should carry none: the earliest a zip file can hold.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# skops names arrays and shared objects by their memory address: renumbered in schema order.
_ADDRESS = re.compile(r'(?<="__id__": )\d+|(?<=")\d+(?=\.npy")')
# What the MLflow model file says of the run that logged it, not of the model.
RUN_FIELDS = ("artifact_path", "model_id", "model_uuid", "run_id", "utc_time_created")


def skops_bytes(model: BaseEstimator) -> bytes:
    """`model` as a skops file whose bytes depend on the model alone, not on where it sat in
    memory nor when it was saved, so that the same fit gives the same file."""
    import skops.io

    with zipfile.ZipFile(io.BytesIO(skops.io.dumps(model))) as saved:
        schema = saved.read("schema.json").decode("utf-8")
        ordinals: dict[str, str] = {}
        renamed = _ADDRESS.sub(
            lambda match: ordinals.setdefault(match.group(0), str(len(ordinals))), schema
        )
        members = {"schema.json": renamed.encode("utf-8")}
        for name in saved.namelist():
            if name.endswith(".npy"):
                members[f"{ordinals[name.removesuffix('.npy')]}.npy"] = saved.read(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name in sorted(members):
            out.writestr(zipfile.ZipInfo(name, ZIP_EPOCH), members[name])
    return buffer.getvalue()


def strip_run_fields(model_dir: Path) -> None:
    """Make a downloaded model directory a function of the model alone: drop what names the
    run and the time, and the temporary paths the files were logged from. MLflow loads it as
    it is; the run that logged it carries the estimator's md5 as a tag."""
    import yaml

    mlmodel = model_dir / "MLmodel"
    spec = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
    for field in RUN_FIELDS:
        spec.pop(field, None)
    flavor = spec["flavors"]["python_function"]
    for artifact in flavor["artifacts"].values():
        artifact["uri"] = artifact["path"]
    # MLflow loads the entry point by its file name inside the model directory.
    flavor["model_code_path"] = Path(flavor["model_code_path"]).name
    mlmodel.write_text(yaml.safe_dump(spec, sort_keys=True), encoding="utf-8")


def log_served_model(
    model: ConformalQuantiles, allowed: list[str], example: pd.DataFrame, folder: Path
):
    """Log `model` as the run's `model`, its estimator saved with skops in `folder` first."""
    estimator = folder / ESTIMATOR_FILE
    estimator.write_bytes(skops_bytes(model))
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=str(PACKAGE_DIR / "serving" / "pyfunc_entry.py"),
        model_config={TRUSTED_TYPES: trusted_types(model, allowed)},
        artifacts={"estimator": str(estimator)},
        signature=signature(model, example),
        input_example=example.head(5),
        pip_requirements=_pinned(),
        code_paths=[str(PACKAGE_DIR)],
    )
