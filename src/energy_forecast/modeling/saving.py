"""Saving a served model as an MLflow model: its files, signature, requirements and code.

The model (`energy_forecast.core.served`) is logged as a pyfunc model from code: the entry
point `core/pyfunc_entry.py`, the estimator saved with skops, the fewest skops trusted types
that load it, a signature and an input example, requirements pinned to the versions installed,
and the core package alone as its code.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import sys
import tempfile
import zipfile
from importlib.metadata import distributions, version
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pandas as pd
from sklearn.base import BaseEstimator

import energy_forecast.core
from energy_forecast.core.curve import LoadProfile
from energy_forecast.core.features import CONSUMPTION
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE
from energy_forecast.core.intervals import ConformalQuantiles
from energy_forecast.core.served import (
    DAILY,
    ESTIMATOR_FILE,
    PIPELINE_TYPES,
    POINT_ONLY,
    PROFILE,
    PROFILE_FILE,
    PROFILE_TRUSTED_TYPES,
    RESOLUTION,
    TRUSTED_TYPES,
    answer,
)
from energy_forecast.runtime.atomic import atomic_dir
from energy_forecast.tracking import lineage

CORE_DIR = Path(energy_forecast.core.__file__).parent


# The MLmodel metadata key that says when a model's forecasts are issued.
FORECAST_METADATA = "forecast"
# The MLmodel metadata key that says which days fitted the model: `start`, `end` (ISO dates).
TRAINING_METADATA = "training"


def training_days(days: pd.DataFrame) -> dict[str, str]:
    """The first and last day of the daily rows `days`, as a model's training metadata."""
    dates = pd.to_datetime(days["date"])
    return {"start": dates.min().date().isoformat(), "end": dates.max().date().isoformat()}


def forecast_metadata(metadata: Any) -> dict[str, Any]:
    """When a logged model's forecasts are issued (`horizon_days`, `issue_time`), as its MLmodel
    metadata say; empty for a model that does not say."""
    return (metadata.metadata or {}).get(FORECAST_METADATA, {})


def required_columns(metadata: Any) -> list[str]:
    """The request columns a logged model cannot do without (not `consumption_mwh`)."""
    return [spec.name for spec in metadata.get_input_schema().inputs if spec.required]


def request_frame(daily: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The request columns of `daily` (see `required_inputs`), dates as the API takes them."""
    frame = daily[columns].copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    return frame.reset_index(drop=True)


def _imported_modules(folder: Path) -> set[str]:
    """The top-level modules the Python files under `folder` import, anywhere in them."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def _installing(modules: set[str]) -> dict[str, list[str]]:
    """The installed distributions that provide each of the top-level `modules`, by their
    top_level.txt or else the first part of each path their RECORD lists. As
    `importlib.metadata.packages_distributions()` finds them, without checking that every file
    a distribution lists exists, a check that reads every installed file's metadata."""
    found: dict[str, list[str]] = {module: [] for module in modules}
    for dist in distributions():
        names = set((dist.read_text("top_level.txt") or "").split())
        if not names:
            record = (dist.read_text("RECORD") or "").splitlines()
            names = {line.split(",", 1)[0].split("/", 1)[0].removesuffix(".py") for line in record}
        for module in names & modules:
            found[module].append(dist.metadata["Name"])
    return found


def core_requirements() -> list[str]:
    """What the core imports, as the distributions installed here, pinned: the served model's
    requirements, so that they cannot miss a package its code needs."""
    modules = _imported_modules(CORE_DIR) - set(sys.stdlib_module_names) - {"energy_forecast"}
    pins = set()
    for module, found in _installing(modules).items():
        if not found:
            raise ValueError(f"the core imports {module}, which no installed distribution provides")
        # A module several distributions install (mlflow) is pinned by the one named after it.
        name = next((d for d in found if d.lower() == module), found[0])
        pins.add(f"{name}=={version(name)}")
    return sorted(pins)


def _core_package(folder: Path) -> Path:
    """The package as a served model carries it: its __init__ and the core, nothing else."""
    package = folder / "energy_forecast"
    shutil.copytree(CORE_DIR, package / "core", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CORE_DIR.parent / "__init__.py", package / "__init__.py")
    return package


def trusted_types(saved: bytes, allowed: list[str]) -> list[str]:
    """The types skops must be told to trust to load the model `saved` holds, if reviewed."""
    import skops.io

    needed = set(skops.io.get_untrusted_types(data=saved))
    unreviewed = needed - {*PIPELINE_TYPES, *allowed}
    if unreviewed:
        raise ValueError(f"the model holds types no family allows: {sorted(unreviewed)}")
    return sorted(needed)


def signature(model: ConformalQuantiles, example: pd.DataFrame, curve: bool = False):
    """The example's columns, the optional `consumption_mwh` (and `consumption_to_issue_mwh`
    when the example carries it), the answer's fields, the `point_only` param, and with a
    `curve` the `resolution` param (the daily row by default)."""
    from mlflow.models import infer_signature
    from mlflow.types.schema import ColSpec, Schema

    params: dict[str, Any] = {POINT_ONLY: False} | ({RESOLUTION: DAILY} if curve else {})
    inferred = infer_signature(example, answer(model, example, point_only=False), params=params)
    optional = [CONSUMPTION, *[c for c in [CONSUMPTION_TO_ISSUE] if c in example.columns]]
    inputs = Schema(
        [
            *[spec for spec in inferred.inputs.inputs if spec.name not in optional],
            *[ColSpec("double", column, required=False) for column in optional],
        ]
    )
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
    model: ConformalQuantiles,
    allowed: list[str],
    example: pd.DataFrame,
    folder: Path,
    forecast: dict[str, Any],
    training: dict[str, str],
    profile: LoadProfile | None = None,
):
    """Log `model` as the run's `model`, its estimator (and the curve's `profile`) saved with
    skops in `folder` first; the MLmodel file's metadata say when its forecasts are issued
    (`forecast`) and which days fitted it (`training`)."""
    estimator = folder / ESTIMATOR_FILE
    saved = skops_bytes(model)
    estimator.write_bytes(saved)
    config = {TRUSTED_TYPES: trusted_types(saved, allowed)}
    artifacts = {"estimator": str(estimator)}
    if profile is not None:
        profile_saved = skops_bytes(profile)
        (folder / PROFILE_FILE).write_bytes(profile_saved)
        config[PROFILE_TRUSTED_TYPES] = trusted_types(profile_saved, [])
        artifacts[PROFILE] = str(folder / PROFILE_FILE)
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=str(CORE_DIR / "pyfunc_entry.py"),
        model_config=config,
        artifacts=artifacts,
        signature=signature(model, example, curve=profile is not None),
        input_example=example.head(5),
        pip_requirements=core_requirements(),
        code_paths=[str(_core_package(folder))],
        metadata={FORECAST_METADATA: forecast, TRAINING_METADATA: training},
    )


def log_and_copy(
    model: ConformalQuantiles,
    allowed: list[str],
    example: pd.DataFrame,
    forecast: dict[str, Any],
    training: dict[str, str],
    target: Path,
    profile: LoadProfile | None = None,
) -> tuple[Any, str]:
    """Log `model` in the active run (`log_served_model`) and copy it to the folder `target`
    less what names the run, so that the same fit gives the same files; return the logged
    model's info and its estimator file's md5, by which the run is found again."""
    with tempfile.TemporaryDirectory() as folder:
        info = log_served_model(model, allowed, example, Path(folder), forecast, training, profile)
        estimator_md5 = lineage.md5(Path(folder) / ESTIMATOR_FILE)
    with atomic_dir(target) as tmp:
        mlflow.artifacts.download_artifacts(artifact_uri=info.model_uri, dst_path=str(tmp))
        strip_run_fields(tmp)
    return info, estimator_md5
