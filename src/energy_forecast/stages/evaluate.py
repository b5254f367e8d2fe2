"""`evaluate`: every family's model on the held-out test period, the only place it is read."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_forecast import paths
from energy_forecast.atomic import atomic_path, write_json, write_text
from energy_forecast.core.features import CONSUMPTION, history_days
from energy_forecast.core.served import POINT_ONLY
from energy_forecast.modeling.metrics import scores
from energy_forecast.modeling.saving import request_frame, required_columns
from energy_forecast.modeling.training import preceded, promoted_family, split
from energy_forecast.settings import Settings
from energy_forecast.stages import read_daily
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
    report: dict[str, Any], train: dict[str, dict[str, Any]], promoted: str | None = None
) -> str:
    """Each family's static test scores, and its served model's held-out day-ahead MAPE."""
    lines = [
        "| family | test RMSE (MWh) | MAE (MWh) | MAPE (%) | R² | day-ahead held-out MAPE (%) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, test in report.items():
        mark = f"**{name}** (promoted)" if name == promoted else name
        dayahead = train[name]["dayahead"]
        held_out = f"{dayahead['holdout_mape']:.2f}" if "holdout_mape" in dayahead else "-"
        lines.append(
            f"| {mark} | {test['rmse']:,.0f} | {test['mae']:,.0f} | {test['mape']:.2f} | "
            f"{test['r2']:.3f} | {held_out} |"
        )
    return "\n".join(lines) + "\n"


def run(settings: Settings, root: Path) -> None:
    import mlflow

    names = list(settings.families)
    daily = read_daily(root)
    _, test = split(daily, settings.split)
    # Forecasts of the first test days see the weather of the days before, as they would in use.
    inputs = preceded(daily, test, history_days(settings.computation))
    experiment_id = store.configure(root, settings.mlflow.experiment)
    actual = test["consumption_mwh"].to_numpy()
    predictions = pd.DataFrame({"date": test["date"].dt.strftime("%Y-%m-%d"), "actual": actual})
    report: dict[str, dict[str, float]] = {}
    train_reports = {}
    tags = lineage.tags(root, settings.data.source, "evaluate")
    with store.stage_run(experiment_id, "evaluate", tags):
        for name in names:
            model = mlflow.pyfunc.load_model(str(root / paths.FAMILY_MODELS / name))
            # The static forecast: the test period's consumption stays unknown to the model.
            request = request_frame(inputs, required_columns(model.metadata))
            answer = model.predict(request, params={POINT_ONLY: True})
            predicted = answer[CONSUMPTION].to_numpy()[-len(test) :]
            report[name] = scores(actual, predicted)
            predictions[name] = np.round(predicted, 1)
            train_reports[name] = json.loads(
                (root / paths.TRAIN_REPORTS / f"{name}.json").read_text(encoding="utf-8")
            )
            mlflow.log_metrics({f"{name}_test_{k}": v for k, v in report[name].items()})
            figure = _figure(test["date"], actual, predicted, name)
            mlflow.log_figure(figure, f"test_predictions_{name}.png")
            log.info(
                "evaluate: %s test MAPE %.2f %%, RMSE %.0f MWh",
                name,
                report[name]["mape"],
                report[name]["rmse"],
            )
    with atomic_path(root / paths.PREDICTIONS) as tmp:
        predictions.to_csv(tmp, index=False)
    write_json(root / paths.FAMILIES_REPORT, report)
    write_text(
        root / paths.COMPARISON,
        comparison_table(report, train_reports, promoted_family(settings, train_reports)),
    )
