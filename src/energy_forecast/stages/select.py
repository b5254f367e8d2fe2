"""`select`: promote one family's model, report its metrics, register it as `champion`."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from energy_forecast import paths
from energy_forecast.atomic import atomic_dir, write_text
from energy_forecast.errors import InputError
from energy_forecast.modeling.training import promoted_family
from energy_forecast.settings import Settings
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)
ALIAS = "champion"


def run(settings: Settings, root: Path) -> None:
    import mlflow

    # The store first: nothing is written if it cannot be used.
    store.configure(root, settings.mlflow.experiment)
    names = list(settings.families)
    train = {
        n: json.loads((root / paths.TRAIN_REPORTS / f"{n}.json").read_text("utf-8")) for n in names
    }
    name = promoted_family(settings, train)
    test = json.loads((root / paths.FAMILIES_REPORT).read_text("utf-8"))[name]
    n_test = len((root / paths.PREDICTIONS).read_text("utf-8").splitlines()) - 1

    source = root / paths.MODELS / name
    with atomic_dir(root / paths.PROMOTED) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
    metrics = {
        "model": name,
        "test": test,
        "cv": train[name]["cv"],
        "n_train": train[name]["n_train"],
        "n_test": n_test,
    }
    write_text(root / paths.METRICS, json.dumps(metrics, indent=2))

    registered = settings.mlflow.registered_model
    model_id = mlflow.models.Model.load(str(source)).model_id
    tags = lineage.tags(root, settings.data.source, "select") | {"model": name}
    version = mlflow.register_model(f"models:/{model_id}", registered, tags=tags)
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


def promote(registered: str, version: str | int) -> None:
    """Point @champion at `version` of `registered`: what serving `@champion` then serves."""
    import mlflow

    client = mlflow.MlflowClient()
    try:
        client.get_model_version(registered, str(version))
    except mlflow.exceptions.MlflowException:
        raise InputError(f"{registered} has no version {version}; see `mlflow ui`") from None
    client.set_registered_model_alias(registered, ALIAS, str(version))
