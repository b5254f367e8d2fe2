"""`backtest`: the selected configuration's day-ahead forecasts over a rolling origin."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_forecast import backtesting
from energy_forecast.core.curve import step_minutes
from energy_forecast.core.errors import InputError
from energy_forecast.core.intervals import level_name
from energy_forecast.data.forecast_export import read_temperature_forecasts
from energy_forecast.modeling.training import (
    Aggregation,
    Configuration,
    candidate_configuration,
)
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import atomic_path, write_json
from energy_forecast.runtime.settings import PARAMS_FILE, Settings
from energy_forecast.runtime.stage import read_curve, read_daily, read_reports
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)


def selected_configuration(settings: Settings, root: Path) -> Configuration | Aggregation:
    """The configuration `select` selected, as `train` (and `aggregate`) reported it."""
    name = json.loads((root / paths.METRICS).read_text("utf-8"))["model"]
    reports = read_reports(root, settings.experts if name == "aggregate" else [name])
    return candidate_configuration(settings, name, reports)


def _figure(table: pd.DataFrame, monthly: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = pd.to_datetime(table["date"])
    fig, (daily_ax, monthly_ax) = plt.subplots(2, 1, figsize=(12, 7))
    compared = (("static", "tab:orange"), ("adaptive", "tab:blue"), (backtesting.RTE, "tab:green"))
    for name, color in [(n, c) for n, c in compared if n in monthly.columns]:
        error = (table[name] - table["actual"]) / table["actual"] * 100
        daily_ax.plot(dates, error, label=name, color=color, linewidth=0.8)
        monthly_ax.plot(
            pd.to_datetime(monthly["month"]), monthly[name], "o-", label=name, color=color
        )
    daily_ax.axhline(0, color="grey", linewidth=0.6)
    daily_ax.set_ylabel("daily error (%)")
    daily_ax.legend()
    monthly_ax.set_ylabel("monthly MAPE (%)")
    monthly_ax.legend()
    fig.suptitle("Day-ahead backtest: static against adaptive")
    fig.tight_layout()
    return fig


def _fan_chart(table: pd.DataFrame, levels: list[float]):
    """The actual days against the forecast and its bands, widest band palest."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = pd.to_datetime(table["date"])
    fig, ax = plt.subplots(figsize=(12, 4.5))
    for level in sorted(levels, reverse=True):
        name = level_name(level)
        ax.fill_between(
            dates,
            table[f"lower_{name}"],
            table[f"upper_{name}"],
            color="tab:blue",
            alpha=0.15 + 0.25 * (1 - level),
            linewidth=0,
            label=f"{level:.0%} band",
        )
    ax.plot(dates, table["adaptive"], color="tab:blue", linewidth=0.9, label="forecast")
    ax.plot(dates, table["actual"], "k.", markersize=2.5, label="actual")
    ax.set_ylabel("daily consumption (MWh)")
    ax.set_title("Day-ahead backtest: forecast and bands")
    ax.legend(loc="upper center", ncol=len(levels) + 2)
    fig.tight_layout()
    return fig


def _run_metrics(summary: Mapping[str, Mapping[str, Mapping[str, Any]]], prefix: str = "") -> dict:
    """A summary's figures as MLflow metrics, `<prefix><forecast>_<period>_<metric>`."""
    return {
        f"{prefix}{name}_{period}_{metric}": value
        for name, periods in summary.items()
        for period, values in periods.items()
        for metric, value in values.items()
        if value is not None
    }


def _curve_csv(rows: pd.DataFrame, path: Path) -> None:
    numbers = [c for c in rows.columns if c.endswith("_mw") or c.startswith(("lower_", "upper_"))]
    with atomic_path(path) as tmp:
        rows.assign(
            start=rows["start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **{n: np.round(rows[n], 1) for n in numbers},
        ).drop(columns="date").to_csv(tmp, index=False)


def _write_curve(root: Path, intervals: pd.DataFrame) -> None:
    """The curve's backtest, a winter week of it and its MAPE by hour, for `dvc plots`, whose
    files carry RTE's column always (blank where the series has none): a plot's field must
    exist."""
    _curve_csv(intervals, root / paths.BACKTEST_CURVE)
    week = backtesting.winter_week(intervals)
    _curve_csv(
        week if "rte_j1_mw" in week else week.assign(rte_j1_mw=np.nan),
        root / paths.BACKTEST_CURVE_WEEK,
    )
    hours = backtesting.mape_by_hour(intervals)
    with atomic_path(root / paths.BACKTEST_CURVE_HOURS) as tmp:
        (hours if "rte_j1" in hours else hours.assign(rte_j1=np.nan)).to_csv(tmp, index=False)


def _window(settings: Settings, dates: pd.Series) -> dict[str, Any]:
    """The backtest's first and last day, refused unless they lie after the data's first day
    and within its days."""
    start, end = backtesting.window_days(settings, dates)
    if start <= dates.min() or end > dates.max():
        raise InputError(
            f"backtest.start..backtest.end ({start.date()} to {end.date()}) must lie after the "
            f"first day and within the data ({dates.min().date()} to {dates.max().date()})",
            source=PARAMS_FILE,
        )
    return {"start": start.date(), "end": end.date()}


def run(settings: Settings, root: Path) -> None:
    import mlflow

    daily = read_daily(root)
    window = _window(settings, pd.to_datetime(daily["date"]))
    selected = selected_configuration(settings, root)
    weather_forecasts = None
    if "forecast" in (settings.backtest.weather, settings.intervals.weather):
        weather_forecasts = read_temperature_forecasts(root / paths.RAW_TEMPERATURE_FORECAST)
    levels = list(settings.forecast.interval_levels)
    information = backtesting.information(settings)
    tags = lineage.tags(root, settings.data.source, "backtest")
    experiment_id = store.configure(root, settings.mlflow.experiment)
    with store.stage_run(experiment_id, "backtest", tags | {"model": selected.family}):
        article = backtesting.article_configuration(settings)
        table = backtesting.rolling_forecasts(
            daily, settings, selected, article, weather_forecasts=weather_forecasts
        )
        table = backtesting.with_end_of_day_before(
            table, daily, settings, selected, weather_forecasts
        )
        summary = backtesting.summary(table, levels)
        monthly = backtesting.monthly_mape(table)
        curve = read_curve(root)
        step = step_minutes(curve)
        intervals = backtesting.rolling_curves(
            table, daily, curve, step, settings, weather_forecasts
        )
        curve_summary = backtesting.curve_summary(intervals, table, step)
        mlflow.log_params(
            {f"backtest.{k}": v for k, v in (settings.backtest.model_dump() | window).items()}
            | {f"forecast.{k}": v for k, v in information.items()}
            | {"adapt.method": settings.adapt.method, "configuration": selected.name}
        )
        mlflow.log_metrics(_run_metrics(summary) | _run_metrics(curve_summary, "curve_"))
        mlflow.log_figure(_figure(table, monthly), "backtest.png")
        mlflow.log_figure(_fan_chart(table, levels), "backtest_fan.png")

    with atomic_path(root / paths.BACKTEST) as tmp:
        numbers = [c for c in table.columns if c not in ("date", "actual", "origin")]
        table.assign(**{n: np.round(table[n], 1) for n in numbers}).to_csv(tmp, index=False)
    with atomic_path(root / paths.BACKTEST_MONTHLY) as tmp:
        monthly.round(4).to_csv(tmp, index=False)
    _write_curve(root, intervals)
    write_json(
        root / paths.BACKTEST_SUMMARY,
        {"information": information, **summary, "curve": curve_summary},
    )
    headline = _headline(information, table, summary, curve_summary)
    write_json(root / paths.BACKTEST_METRICS, headline)
    _log_headline(settings, selected.name, table, headline, curve_summary, step)


def _headline(
    information: Mapping[str, Any],
    table: pd.DataFrame,
    summary: Mapping[str, Any],
    curve_summary: Mapping[str, Any],
) -> dict[str, Any]:
    """The headline figures `dvc exp show` and `dvc metrics diff` compare, with the weather
    they were measured on beside them (observed: an upper bound)."""
    bands = summary["intervals"]["overall"]
    ours = curve_summary["forecast"]["overall"]
    return (
        {
            "weather": information["weather"],
            "mape": {n: summary[n]["overall"]["mape"] for n in backtesting.forecast_names(table)},
        }
        | {k: v for k, v in bands.items() if k.startswith("coverage_")}
        | {"curve": {k: v for k, v in ours.items() if k.startswith("mape_") and v is not None}}
    )


def _log_headline(
    settings: Settings,
    configuration: str,
    table: pd.DataFrame,
    headline: Mapping[str, Any],
    curve_summary: Mapping[str, Any],
    step: int,
) -> None:
    """The headline figures in the stage's log, RTE's beside ours where the data hold them."""
    levels = list(settings.forecast.interval_levels)
    overall = headline["mape"]
    ours = curve_summary["forecast"]["overall"]
    log.info(
        "backtest: bands cover %s",
        ", ".join(f"{headline[f'coverage_{level_name(lv)}']:.1f} % at {lv:.0%}" for lv in levels),
    )
    log.info(
        "backtest: %s, %d days from %s, issued %s, %s weather: MAPE static %.2f %%, "
        "adaptive %.2f %%, article %.2f %%",
        configuration,
        len(table),
        table["date"].iloc[0],
        backtesting.issued(settings),
        headline["weather"],
        overall["static"],
        overall["adaptive"],
        overall["article"],
    )
    log.info(
        "backtest: the curve, %d-minute intervals: MAPE %s; its hours' %.2f %%, bands cover %s",
        step,
        "n/a" if ours["mape_30min"] is None else f"{ours['mape_30min']:.2f} %",
        ours["mape_1h"],
        ", ".join(f"{ours[f'coverage_{level_name(lv)}']:.1f} % at {lv:.0%}" for lv in levels),
    )
    if "rte_j1" in curve_summary:
        rte_curve = curve_summary["rte_j1"]["overall"]
        log.info("backtest: RTE's J-1 curve, same hours: MAPE %.2f %%", rte_curve["mape_1h"])
    if backtesting.RTE in overall:
        late = overall.get(backtesting.END_OF_DAY_BEFORE)
        log.info(
            "backtest: RTE's J-1 forecast, same series: MAPE %.2f %%%s",
            overall[backtesting.RTE],
            "" if late is None else f"; ours issued at the end of D-1 {late:.2f} %",
        )
