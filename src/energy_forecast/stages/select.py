"""`select`: promote one family's model, report its metrics, register it, point @champion at it."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from energy_forecast import paths
from energy_forecast.atomic import atomic_dir, write_json
from energy_forecast.core.errors import InputError
from energy_forecast.core.served import ESTIMATOR_FILE
from energy_forecast.modeling.training import promoted_family
from energy_forecast.settings import Settings
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)
ALIAS = "champion"


def run(settings: Settings, root: Path) -> None:
    import mlflow

    # The store first: nothing is written if it cannot be used.
    experiment_id = store.configure(root, settings.mlflow.experiment)
    names = list(settings.families)
    train = {
        n: json.loads((root / paths.TRAIN_REPORTS / f"{n}.json").read_text("utf-8")) for n in names
    }
    name = promoted_family(settings, train)
    families = json.loads((root / paths.FAMILIES_REPORT).read_text("utf-8"))
    test = families[name]
    source = root / paths.FAMILY_MODELS / name
    trained = store.logged_run(
        experiment_id, f"train@{name}", source / "artifacts" / ESTIMATOR_FILE
    )

    with atomic_dir(root / paths.PROMOTED) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
    # The headline figures `dvc exp show` and `dvc metrics diff` compare.
    metrics = {
        "model": name,
        "test": {"mape": test["mape"], "rmse": test["rmse"]},
        "families": {family: {"test_mape": families[family]["mape"]} for family in names},
    }
    write_json(root / paths.METRICS, metrics)

    registered = settings.mlflow.registered_model
    tags = lineage.tags(root, settings.data.source, "select") | {"model": name}
    with store.stage_run(experiment_id, "select", tags):
        mlflow.log_params({"model": settings.model, "promoted": name})
        mlflow.log_metrics({f"test_{k}": v for k, v in test.items()})
        # MLflow prints its own two lines for this; the stage's log line says it once.
        with contextlib.redirect_stderr(io.StringIO()):
            version = mlflow.register_model(
                f"models:/{trained.data.tags[lineage.MODEL_ID_TAG]}", registered, tags=tags
            )
        mlflow.log_param("registered_version", version.version)
    _describe(registered, version.version, name, test, train[name], tags)
    experiment = tags.get("dvc.exp_name")
    if experiment and not settings.select.promote_experiments:
        # An experiment is a question, not a release: production moves when a person says so.
        log.info(
            "select: %s (test MAPE %.2f %%) registered as %s version %s by experiment %s; "
            "@%s unchanged (promote it with: energy-forecast promote %s)",
            name,
            test["mape"],
            registered,
            version.version,
            experiment,
            ALIAS,
            version.version,
        )
        return
    promote(registered, version.version)
    log.info(
        "select: promoted %s (test MAPE %.2f %%) as %s version %s, alias @%s",
        name,
        test["mape"],
        registered,
        version.version,
        ALIAS,
    )


def _describe(
    registered: str,
    version: str,
    name: str,
    test: dict[str, float],
    train: dict[str, Any],
    tags: dict[str, str],
) -> None:
    """What the registry shows of the model and of this version: what it is, the data that
    trained it, and how it scored."""
    import mlflow

    client = mlflow.MlflowClient()
    client.update_registered_model(
        registered,
        description=(
            "France's daily electricity consumption (MWh), forecast from the calendar, "
            "national temperatures and the consumption known so far, with 80 % and 95 % "
            "bands. Serve @champion: mlflow models serve -m models:/" + registered + "@champion"
        ),
    )
    held_out = train["dayahead"].get("holdout_mape")
    client.update_model_version(
        registered,
        version,
        description=(
            f"{name} ({train['feature_set']} features, {train['params']}), trained on "
            f"{train['n_train']} days of {tags['data.source']} data "
            f"(data.features.md5 {tags['data.features.md5']}, git {tags.get('git.commit')}). "
            f"Test MAPE {test['mape']:.2f} %, RMSE {test['rmse']:,.0f} MWh"
            + (f"; day-ahead held-out MAPE {held_out:.2f} %." if held_out is not None else ".")
        ),
    )


def promote(registered: str, version: str | int) -> None:
    """Point @champion at `version` of `registered`: what serving `@champion` then serves."""
    import mlflow

    client = mlflow.MlflowClient()
    try:
        client.get_model_version(registered, str(version))
    except mlflow.exceptions.MlflowException:
        raise InputError(f"{registered} has no version {version}; see `mlflow ui`") from None
    client.set_registered_model_alias(registered, ALIAS, str(version))
