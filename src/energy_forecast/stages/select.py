"""`select`: choose one family, refit its configuration on every day of the data, report its
test figures, register the refitted model, point @champion at it."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from pathlib import Path
from typing import Any

from energy_forecast.core.curve import day_shapes, step_minutes
from energy_forecast.core.errors import InputError
from energy_forecast.core.features import required_inputs
from energy_forecast.data.weather_forecasts import calibration_archive, calibration_weather
from energy_forecast.modeling.saving import log_and_copy, training_days
from energy_forecast.modeling.training import (
    candidate_configuration,
    forecast_description,
    load_profile,
    refit,
    selected_family,
    split,
)
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import write_json
from energy_forecast.runtime.settings import Settings
from energy_forecast.runtime.stage import read_curve, read_daily, read_reports
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)
ALIAS = "champion"
# The tags a registry version keeps: those users filter versions by. The rest of its lineage
# (the raw files' md5s, the data-quality counts) is in its description.
VERSION_TAGS = ("model", "data.source", "data.features.md5", "git.commit", "dvc.exp_name")


def run(settings: Settings, root: Path) -> None:
    import mlflow

    # The store first: nothing is written if it cannot be used.
    experiment_id = store.configure(root, settings.mlflow.experiment)
    names = settings.candidates
    train = read_reports(root, names)
    name = selected_family(settings, train)
    families = json.loads((root / paths.FAMILIES_REPORT).read_text("utf-8"))
    test = families[name]
    daily = read_daily(root)
    fitted = training_days(split(daily, settings)[0])
    registered = settings.mlflow.registered_model
    tags = lineage.tags(root, settings.data.source, "select") | {"model": name}
    config = candidate_configuration(settings, name, train)
    with store.stage_run(experiment_id, "select", tags):
        mlflow.log_params({"model": settings.model, "promoted": name, "test.weather": "observed"})
        mlflow.log_metrics(
            {f"test_{k}": v for k, v in test["dayahead"].items()}
            | {f"test_static_{k}": v for k, v in test["static"].items()}
        )
        # What is served learns the latest days too: the selected configuration refitted on
        # every day of the data; the test figures are those of its fit on the training period.
        weather = calibration_weather(settings, daily, calibration_archive(settings, root))
        model, inputs, _ = refit(config, daily, settings, weather)
        curve = read_curve(root)
        profile = load_profile(settings).fit(daily, day_shapes(curve, step_minutes(curve)))
        # A request carries what the curve reads too, as the daily model's inputs.
        extra = [c for c in required_inputs(profile.features) if c not in inputs.columns]
        inputs = inputs.assign(**{c: daily[c].to_numpy() for c in extra})
        latest = training_days(daily)
        forecast = forecast_description(settings)
        info, _ = log_and_copy(
            model, config.trusted_types, inputs, forecast, latest, root / paths.SERVED, profile
        )
        mlflow.log_params(
            {"curve.alpha": profile.alpha_, "curve.step_minutes": profile.step_minutes_}
        )
        mlflow.log_params({"training.start": latest["start"], "training.end": latest["end"]})
        # MLflow prints its own two lines for this; the stage's log line says it once.
        with contextlib.redirect_stderr(io.StringIO()):
            version = mlflow.register_model(
                f"models:/{info.model_id}",
                registered,
                tags={k: tags[k] for k in VERSION_TAGS if k in tags},
            )
        mlflow.log_param("registered_version", version.version)
    write_json(root / paths.METRICS, headline(name, families))
    _describe(registered, version.version, config.name, test, train[name], tags, fitted, latest)
    summary = (
        f"{name} (test MAPE {test['dayahead']['mape']:.2f} % served day-ahead, static "
        f"{test['static']['mape']:.2f} %, observed weather, fitted on {fitted['start']} to "
        f"{fitted['end']}) refitted on {latest['start']} to {latest['end']}"
    )
    experiment = tags.get("dvc.exp_name")
    if experiment and not settings.select.promote_experiments:
        # An experiment is a question, not a release: production moves when a person says so.
        log.info(
            "select: %s, registered as %s version %s by experiment %s; @%s unchanged (promote "
            "it with: energy-forecast promote %s)",
            summary,
            registered,
            version.version,
            experiment,
            ALIAS,
            version.version,
        )
        return
    promote(registered, version.version)
    log.info(
        "select: promoted %s as %s version %s, alias @%s",
        summary,
        registered,
        version.version,
        ALIAS,
    )


def headline(name: str, families: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """reports/metrics.json, the figures `dvc exp show` and `dvc metrics diff` compare: the
    selected family's served forecast first, as issued at the issue time, the static model's
    beside it, then every family's."""
    test = families[name]
    return {
        "model": name,
        "test": {
            "mape": test["dayahead"]["mape"],
            "rmse": test["dayahead"]["rmse"],
            "static": {"mape": test["static"]["mape"], "rmse": test["static"]["rmse"]},
            "weather": "observed",
        },
        "families": {
            family: {
                "test_mape": scores["dayahead"]["mape"],
                "test_static_mape": scores["static"]["mape"],
            }
            for family, scores in families.items()
        },
    }


def _describe(
    registered: str,
    version: str,
    configuration: str,
    test: dict[str, dict[str, float]],
    train: dict[str, Any],
    tags: dict[str, str],
    fitted: dict[str, str],
    latest: dict[str, str],
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
    dayahead, static = test["dayahead"], test["static"]
    client.update_model_version(
        registered,
        version,
        description=(
            f"{configuration}, fitted on every "
            f"day of the {tags['data.source']} data, {latest['start']} to {latest['end']} "
            f"(data.features.md5 {tags['data.features.md5']}, git {tags.get('git.commit')}). "
            f"Fitted on the training period ({fitted['start']} to {fitted['end']}, "
            f"{train['n_train']} days), the same configuration scored on the test period, "
            f"with its observed weather: MAPE {dayahead['mape']:.2f} % served day-ahead, "
            f"RMSE {dayahead['rmse']:,.0f} MWh; static MAPE {static['mape']:.2f} %"
            + (
                f"; held-out day-ahead MAPE on training days {held_out:.2f} %."
                if held_out is not None
                else "."
            )
            + " Lineage: "
            + "; ".join(f"{k} {v}" for k, v in sorted(tags.items()) if k not in VERSION_TAGS)
            + "."
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
