"""`train@<family>`: cross-validate a family's grid, refit the best configuration, log it all."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from energy_forecast.core.families import family
from energy_forecast.data.weather_forecasts import calibration_archive, calibration_weather
from energy_forecast.modeling.saving import log_and_copy, training_days
from energy_forecast.modeling.training import (
    Result,
    best_configuration,
    configurations,
    dayahead_report,
    folds,
    forecast_description,
    refit,
    search,
    split,
)
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import write_json
from energy_forecast.runtime.settings import Settings
from energy_forecast.runtime.stage import read_daily
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)


def _run_params(result: Result) -> dict[str, Any]:
    config = result.configuration
    return {
        **config.params,
        "feature_set": config.feature_set,
        "features": ",".join(config.features),
    }


def _child_run_reporter(
    children: store.ChildRuns, tags: dict[str, str], name: str, total: int
) -> Callable[[Result], None]:
    """What `search` calls with each configuration's result, in grid order: one child run,
    FAILED if it raised, named by its place in the grid first (`07/32 blend[special]...`): the
    MLflow UI cuts run names at about 30 characters, where configurations still read alike."""
    place = itertools.count(1)

    def report(result: Result) -> None:
        config = result.configuration
        extra = {"error": result.error} if result.error else {}
        if result.warnings:
            extra["warnings"] = "\n".join(result.warnings)[:5000]
        children.log(
            f"{next(place):0{len(str(total))}d}/{total} {config.name}",
            _run_params(result),
            result.metrics,
            {**tags, "model": name, "inputs": config.feature_set, **extra},
            failed=result.error is not None,
        )
        if result.error:
            log.warning("%s failed: %s", config.name, result.error)

    return report


def _log_best(
    best: Result, train: pd.DataFrame, settings: Settings, root: Path, name: str
) -> dict[str, float]:
    """Refit the best configuration on the whole training period, log it, and copy it to models/."""
    import mlflow

    config = best.configuration
    weather = calibration_weather(settings, train, calibration_archive(settings, root))
    model, inputs, fit_warnings = refit(config, train, settings, weather)
    forecast = forecast_description(settings)
    info, estimator_md5 = log_and_copy(
        model,
        family(name).TRUSTED_TYPES,
        inputs,
        forecast,
        training_days(train),
        root / paths.FAMILY_MODELS / name,
    )
    mlflow.log_params(_run_params(best))
    mlflow.log_metrics(best.metrics)
    mlflow.set_tags(
        {
            "inputs": config.feature_set,
            "best_configuration": config.name,
            lineage.ESTIMATOR_TAG: estimator_md5,
            lineage.MODEL_ID_TAG: info.model_id,
        }
        | ({"warnings": "\n".join(fit_warnings)} if fit_warnings else {})
    )
    for message in fit_warnings:
        log.warning("%s: %s", config.name, message)
    dayahead = dayahead_report(model)
    mlflow.log_metrics({f"dayahead_{k}": v for k, v in dayahead.items()})
    return dayahead


def _report(
    name: str, best: Result, results: list[Result], n_train: int, dayahead: dict[str, float]
) -> dict[str, Any]:
    config = best.configuration
    return {
        "family": name,
        "feature_set": config.feature_set,
        "params": config.params,
        "cv": {k.removeprefix("cv_"): v for k, v in best.metrics.items() if k.startswith("cv_")},
        "n_configurations": len(results),
        "n_failed": sum(r.error is not None for r in results),
        "n_train": n_train,
        "dayahead": dayahead,
    }


def run(settings: Settings, root: Path, name: str) -> None:
    configs = configurations(settings, name)
    metric = settings.select.metric
    train, _ = split(read_daily(root), settings)
    folds(settings.cv, len(train))
    stage = f"train@{name}"
    tags = lineage.tags(root, settings.data.source, stage)
    experiment_id = store.configure(root, settings.mlflow.experiment)

    with store.stage_run(experiment_id, stage, {**tags, "model": name}) as parent:
        lineage.log_training_data(train, root / paths.DAILY, tags["data.features.md5"])
        with store.ChildRuns(experiment_id, parent.info.run_id) as children:
            reporter = _child_run_reporter(children, tags, name, len(configs))
            results = search(configs, train, settings, reporter)
        best = best_configuration(results, metric)
        dayahead = _log_best(best, train, settings, root, name)

    report = _report(name, best, results, len(train), dayahead)
    write_json(root / paths.TRAIN_REPORTS / f"{name}.json", report)
    log.info(
        "%s: %d configurations, best %s with cv %s %.1f",
        stage,
        len(results),
        best.configuration.name,
        metric,
        best.metrics[f"cv_{metric}"],
    )
