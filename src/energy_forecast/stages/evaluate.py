"""`evaluate`: every candidate's model (each family's, the aggregate's) on the held-out test
period, the only place it is read:
its served forecast day-ahead (adapting to the consumption known at each issue time) and its
static forecast, both fitted on the training period, with the target days' observed weather."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_forecast.core.features import CONSUMPTION, history_days
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE
from energy_forecast.core.served import POINT_ONLY
from energy_forecast.modeling.metrics import scores
from energy_forecast.modeling.saving import request_frame, required_columns
from energy_forecast.modeling.training import preceded, selected_family, split
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import atomic_path, write_json, write_text
from energy_forecast.runtime.settings import Settings
from energy_forecast.runtime.stage import read_daily, read_reports
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)


def _figure(dates: pd.Series, actual: np.ndarray, predicted: np.ndarray, name: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_time, ax_scatter) = plt.subplots(
        1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [2, 1]}
    )
    ax_time.plot(dates, actual / 1e3, label="actual", color="black", linewidth=1)
    ax_time.plot(dates, predicted / 1e3, label=name, linewidth=1)
    ax_time.set_ylabel("GWh per day")
    ax_time.legend()
    ax_scatter.scatter(actual / 1e3, predicted / 1e3, s=6)
    low, high = (
        float(min(actual.min(), predicted.min())) / 1e3,
        float(max(actual.max(), predicted.max())) / 1e3,
    )
    ax_scatter.plot([low, high], [low, high], color="grey", linewidth=0.8)
    ax_scatter.set_xlabel("actual (GWh)")
    ax_scatter.set_ylabel("predicted (GWh)")
    fig.suptitle(f"{name}: test period")
    fig.tight_layout()
    return fig


def comparison_table(
    report: dict[str, Any], train: dict[str, dict[str, Any]], selected: str | None = None
) -> str:
    """Each candidate's test scores, served day-ahead then static, and its held-out day-ahead
    MAPE on training days (what `model: auto` chooses by)."""
    lines = [
        "Test period, the target days' observed temperatures; each family, and the aggregate "
        "of experts, fitted on the training period.",
        "",
        "| family | day-ahead MAPE (%) | day-ahead RMSE (MWh) | static MAPE (%) | "
        "static RMSE (MWh) | static R² | held-out day-ahead MAPE, training (%) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, test in report.items():
        mark = f"**{name}** (selected)" if name == selected else name
        dayahead, static = test["dayahead"], test["static"]
        trained = train[name]["dayahead"]
        held_out = f"{trained['holdout_mape']:.2f}" if "holdout_mape" in trained else "-"
        lines.append(
            f"| {mark} | {dayahead['mape']:.2f} | {dayahead['rmse']:,.0f} | "
            f"{static['mape']:.2f} | {static['rmse']:,.0f} | {static['r2']:.3f} | {held_out} |"
        )
    return "\n".join(lines) + "\n"


def known_consumption(inputs: pd.DataFrame, request: pd.DataFrame) -> pd.DataFrame:
    """`request` told every day's consumption, whole and to the issue time: the served model
    reads, for each day, only what was known at its issue time."""
    told = [c for c in (CONSUMPTION, CONSUMPTION_TO_ISSUE) if c in inputs.columns]
    return request.assign(**{c: inputs[c].to_numpy(dtype=float) for c in told})


def run(settings: Settings, root: Path) -> None:
    import mlflow

    names = settings.candidates
    daily = read_daily(root)
    _, test = split(daily, settings)
    # The first test days see the weather and the consumption of the days before, as they would
    # in use: the smoothing's history, and the adaptation's warm-up.
    inputs = preceded(
        daily, test, max(history_days(settings.feature_settings), settings.adapt.warmup_days)
    )
    experiment_id = store.configure(root, settings.mlflow.experiment)
    actual = test["consumption_mwh"].to_numpy()
    predictions = pd.DataFrame({"date": test["date"].dt.strftime("%Y-%m-%d"), "actual": actual})
    report: dict[str, dict[str, dict[str, float]]] = {}
    train_reports = read_reports(root, names)
    tags = lineage.tags(root, settings.data.source, "evaluate")
    with store.stage_run(experiment_id, "evaluate", tags):
        # The test days are forecast with their observed temperatures: an upper bound.
        mlflow.log_param("test.weather", "observed")
        for name in names:
            model = mlflow.pyfunc.load_model(str(root / paths.candidate_model(name)))
            # The static forecast: the test period's consumption stays unknown to the model.
            request = request_frame(inputs, required_columns(model.metadata))
            answer = model.predict(request, params={POINT_ONLY: True})
            predicted = answer[CONSUMPTION].to_numpy()[-len(test) :]
            # The served forecast: each day as issued, adapting to the consumption known then.
            told = known_consumption(inputs, request)
            served = model.predict(told, params={POINT_ONLY: True})
            dayahead = served[CONSUMPTION].to_numpy()[-len(test) :]
            report[name] = {
                "dayahead": scores(actual, dayahead),
                "static": scores(actual, predicted),
            }
            predictions[name] = np.round(predicted, 1)
            mlflow.log_metrics(
                {f"{name}_test_{k}": v for k, v in report[name]["dayahead"].items()}
                | {f"{name}_test_static_{k}": v for k, v in report[name]["static"].items()}
            )
            figure = _figure(test["date"], actual, predicted, name)
            mlflow.log_figure(figure, f"test_predictions_{name}.png")
            log.info(
                "evaluate: %s test MAPE %.2f %% served day-ahead (static %.2f %%), observed "
                "weather",
                name,
                report[name]["dayahead"]["mape"],
                report[name]["static"]["mape"],
            )
    with atomic_path(root / paths.PREDICTIONS) as tmp:
        predictions.to_csv(tmp, index=False)
    write_json(root / paths.FAMILIES_REPORT, report)
    write_text(
        root / paths.COMPARISON,
        comparison_table(report, train_reports, selected_family(settings, train_reports)),
    )
