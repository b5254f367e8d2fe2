"""Which data and code made a run: the tags every MLflow run and model version carries, and
the training dataset a run that fits a served model logs.

The md5s are computed from the files themselves, the way DVC 3 hashes a file, so they are
exactly what `dvc.lock` records for the same content (a test holds them to it).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from energy_forecast.runtime import paths

DATA_FILES = {
    "data.raw.consumption.md5": paths.RAW_CONSUMPTION,
    "data.raw.temperature.md5": paths.RAW_TEMPERATURE,
    "data.features.md5": paths.DAILY,
}


# On a train run: the md5 of the estimator file it logged, which models/families/<family>
# holds too, and the id of that logged model: select finds the run of the model in models/.
ESTIMATOR_TAG = "model.estimator.md5"
MODEL_ID_TAG = "model.id"

# What decides a run: the code, the params and the pipeline.
SOURCES = ("src", "params.yaml", "dvc.yaml", "pyproject.toml")


def md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def git_tags(root: Path) -> dict[str, str]:
    try:
        commit = _git(root, "rev-parse", "HEAD")
        # What DVC writes (dvc.lock, stage outputs) is the run's result, not its cause.
        dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no", "--", *SOURCES))
    except (OSError, subprocess.CalledProcessError) as err:
        reason = getattr(err, "stderr", None) or str(err)
        return {"git.commit": f"unavailable: {reason.strip()}"}
    return {"git.commit": commit, "git.dirty": str(dirty).lower()}


def flat_counts(metrics: dict[str, Any], prefix: str = "data.quality") -> dict[str, str]:
    """A report's range and counts as `data.quality.*` MLflow tags (not its lists of days)."""
    out: dict[str, str] = {}
    for key, value in metrics.items():
        if key in ("left_out", "resolutions"):
            continue
        name = f"{prefix}.{key}"
        out |= flat_counts(value, name) if isinstance(value, dict) else {name: str(value)}
    return out


def quality_tags(root: Path) -> dict[str, str]:
    """`data.quality.*`: the counts `featurize` wrote to reports/data_quality.json."""
    report = json.loads((root / paths.DATA_QUALITY).read_text(encoding="utf-8"))
    return flat_counts(report)


def tags(root: Path, source: str, stage: str) -> dict[str, str]:
    """Lineage tags for a run of `stage` on the data now in the workspace at `root`."""
    out = {"data.source": source, "dvc.stage": stage}
    out |= {tag: md5(root / path) for tag, path in DATA_FILES.items()}
    out |= quality_tags(root)
    out |= git_tags(root)
    for tag, variable in (
        ("dvc.exp_name", "DVC_EXP_NAME"),
        ("dvc.exp_baseline_rev", "DVC_EXP_BASELINE_REV"),
    ):
        if os.environ.get(variable):
            out[tag] = os.environ[variable]
    return out


def locked_md5s(root: Path) -> dict[str, str]:
    """The md5 `dvc.lock` records for each output path."""
    lock = yaml.safe_load((root / "dvc.lock").read_text(encoding="utf-8"))
    return {
        out["path"]: out["md5"]
        for stage in lock.get("stages", {}).values()
        for out in stage.get("outs", [])
        if "md5" in out
    }


def log_training_data(train: pd.DataFrame, source: Path, digest: str) -> None:
    """Log the daily rows `train` that fitted the active run's model as its training dataset,
    named by the md5 `dvc.lock` records for `source`."""
    import mlflow
    import mlflow.data

    with warnings.catch_warnings():
        # MLflow 3 registers its local-file dataset source twice, then calls a path
        # ambiguous; and this dataset records lineage, not a schema requests are held to,
        # so the hint about integer columns in request schemas does not apply.
        warnings.filterwarnings("ignore", "The specified dataset source", UserWarning)
        warnings.filterwarnings("ignore", "Hint: Inferred schema contains integer", UserWarning)
        dataset = mlflow.data.from_pandas(
            train, source=str(source), name="daily", digest=digest, targets="consumption_mwh"
        )
        mlflow.log_input(dataset, context="training")
