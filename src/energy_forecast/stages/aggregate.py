"""`aggregate`: the online aggregation of the families' best configurations, fitted on the
training period and logged as a candidate beside them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from energy_forecast.core.aggregation import ExpertAggregate
from energy_forecast.data.weather_forecasts import calibration_archive, calibration_weather
from energy_forecast.modeling.saving import log_and_copy, training_days
from energy_forecast.modeling.training import (
    aggregation,
    dayahead_report,
    forecast_description,
    refit,
    split,
)
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import atomic_dir, write_json
from energy_forecast.runtime.settings import Settings
from energy_forecast.runtime.stage import read_daily, read_reports
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)
NAME = "aggregate"


def run(settings: Settings, root: Path) -> None:
    target = root / paths.AGGREGATE_MODEL
    report_path = root / paths.AGGREGATE_REPORT
    if not settings.experts:
        # No aggregate: an empty model folder and a report that says so, the stage's outputs.
        with atomic_dir(target):
            pass
        write_json(report_path, {"family": NAME, "experts": []})
        log.info(
            "aggregate: none (aggregate.experts lists no family that `families` trains, or "
            "adapt.method is none)"
        )
        return
    import mlflow

    reports = read_reports(root, settings.experts)
    config = aggregation(settings, reports)
    train, _ = split(read_daily(root), settings)
    tags = lineage.tags(root, settings.data.source, NAME) | {"model": NAME}
    experiment_id = store.configure(root, settings.mlflow.experiment)
    with store.stage_run(experiment_id, NAME, tags):
        lineage.log_training_data(train, root / paths.DAILY, tags["data.features.md5"])
        weather = calibration_weather(settings, train, calibration_archive(settings, root))
        model, inputs, fit_warnings = refit(config, train, settings, weather)
        info, estimator_md5 = log_and_copy(
            model,
            config.trusted_types,
            inputs,
            forecast_description(settings),
            training_days(train),
            target,
        )
        fitted: ExpertAggregate = model.forecaster_
        selection_mape = {k: v * 100 for k, v in fitted.selection_mape_.items()}
        mlflow.log_params(
            {
                "experts": ",".join(settings.experts),
                "rules": ",".join(config.rules),
                "rule": fitted.rule_,
                "learning_rate": config.learning_rate,
            }
        )
        dayahead = dayahead_report(model)
        mlflow.log_metrics(
            {f"dayahead_{k}": v for k, v in dayahead.items()}
            | {f"selection_mape_{k}": v for k, v in selection_mape.items()}
        )
        mlflow.set_tags(
            {
                "best_configuration": config.name,
                lineage.ESTIMATOR_TAG: estimator_md5,
                lineage.MODEL_ID_TAG: info.model_id,
            }
            | ({"warnings": "\n".join(fit_warnings)} if fit_warnings else {})
        )
    report = _report(settings, reports, fitted, selection_mape, len(train), dayahead)
    write_json(report_path, report)
    log.info(
        "aggregate: %d experts (%s) at %d state noises, rule %s, held-out day-ahead MAPE %.2f %%",
        len(settings.experts),
        ", ".join(settings.experts),
        len(report["weights"]) // len(settings.experts),
        fitted.rule_,
        dayahead["holdout_mape"],
    )


def _report(
    settings: Settings,
    reports: Mapping[str, Mapping[str, Any]],
    fitted: ExpertAggregate,
    selection_mape: Mapping[str, float],
    n_train: int,
    dayahead: Mapping[str, float],
) -> dict[str, Any]:
    """The aggregate's report: its experts' configurations, the rule chosen on the training
    period and each expert's weight, at each state noise, after the last training day."""
    columns = [
        f"{expert}@{ratio:g}"
        for expert, adapted in zip(settings.experts, fitted.experts_, strict=True)
        for ratio in adapted.state_noise_ratios_
    ]
    weights = (round(float(w), 6) for w in fitted.state_.weights())
    return {
        "family": NAME,
        "experts": {
            n: reports[n]["params"] | {"feature_set": reports[n]["feature_set"]}
            for n in settings.experts
        },
        "rule": fitted.rule_,
        "selection_mape": selection_mape,
        "weights": dict(zip(columns, weights, strict=True)),
        "n_train": n_train,
        "dayahead": dayahead,
    }
