"""`energy-forecast score`: the `forecast` runs whose day is now known, scored against it.

Each MLflow run `forecast` holds the forecast of one day and its bands. Once the consumption
export holds that day complete, the run gets the actual, the error, the absolute percentage
error and whether each band held (metrics `actual_mwh`, `error_mwh`, `ape`, `in_80`,
`in_95`). A run `score` sums up the latest forecast of each day: the MAPE of the last 7 and 30
scored days, the bands' coverage on those 30, RTE's J-1 MAPE on the same days where the export
carries it, and a figure of the forecasts against the actuals.

Drift: the backtest (`reports/backtest.csv`) gives the day-ahead errors the served forecast made
on days it had not seen. The MAPE of n consecutive days of it stays under its 95th percentile
95 % of the time; the last n scored days above it mean the model no longer fits the
consumption: refit (`dvc repro` with `data.end: latest`).
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION, RTE_J1
from energy_forecast.data import odre
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.modeling.metrics import percent_errors
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import atomic_path
from energy_forecast.runtime.settings import Settings
from energy_forecast.serving.forecast import check_output_format
from energy_forecast.tracking import store
from energy_forecast.ui import run_url

log = logging.getLogger(__name__)

# The columns of `--output`, one row per scored forecast run.
SCORE_COLUMNS = ["date", "issued_at", "forecast_mwh", "actual_mwh", "ape", "in_80", "in_95"]
# The windows of scored days the summary reports, in days; drift is judged on the longest.
WINDOWS = (7, 30)
# The share of the backtest's windows whose MAPE stays under the drift bound.
DRIFT_QUANTILE = 0.95
# The exit code of a `score` that finds the model drifted.
DRIFTED = 3
# The bands a `forecast` run logs beside its forecast.
BANDS = ("lower_80", "upper_80", "lower_95", "upper_95")


@dataclass(frozen=True)
class Scored:
    """The scored forecast runs (`table`, SCORE_COLUMNS and `run_id`), the summary's metrics,
    and whether the last days' MAPE is above the backtest's bound."""

    table: pd.DataFrame
    summary: dict[str, float]
    drifted: bool


def forecast_runs(experiment_id: str) -> pd.DataFrame:
    """Every finished `forecast` run: its id, day, issue time, start, forecast and bands."""
    import mlflow

    runs = mlflow.MlflowClient().search_runs(
        [experiment_id],
        "attributes.run_name = 'forecast' and attributes.status = 'FINISHED'",
        max_results=50_000,
    )
    rows = [
        {
            "run_id": run.info.run_id,
            "date": pd.Timestamp(run.data.params["date"]),
            "issued_at": run.data.params["issued_at"],
            "started": run.info.start_time,
            "forecast_mwh": run.data.metrics[CONSUMPTION],
            **{band: run.data.metrics[band] for band in BANDS},
        }
        for run in runs
    ]
    columns = ["run_id", "date", "issued_at", "started", "forecast_mwh", *BANDS]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["date", "started"], kind="stable").reset_index(drop=True)


def score_table(runs: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """The runs whose day `known` holds complete, with its actual, the error and the bands'
    hits; `rte_j1_mwh` beside them where `known` carries RTE's forecast."""
    days = runs[runs["date"].isin(known.index)].copy()
    days["actual_mwh"] = days["date"].map(known[CONSUMPTION]).to_numpy(dtype=float)
    days["error_mwh"] = days["forecast_mwh"] - days["actual_mwh"]
    days["ape"] = percent_errors(days["forecast_mwh"], days["actual_mwh"]).to_numpy()
    for level in ("80", "95"):
        low, high = days[f"lower_{level}"], days[f"upper_{level}"]
        days[f"in_{level}"] = (low <= days["actual_mwh"]) & (days["actual_mwh"] <= high)
    if RTE_J1 in known.columns:
        days[RTE_J1] = days["date"].map(known[RTE_J1]).to_numpy(dtype=float)
    return days.reset_index(drop=True)


def drift_bound(backtest: pd.DataFrame, days: int) -> float:
    """The MAPE (%) that `days` consecutive days of the backtest's served forecast stay under
    `DRIFT_QUANTILE` of the time."""
    ape = percent_errors(backtest["adaptive"], backtest["actual"])
    window = min(days, len(ape))
    return float(ape.rolling(window).mean().dropna().quantile(DRIFT_QUANTILE))


def summarize(scored: pd.DataFrame, backtest: pd.DataFrame) -> tuple[dict[str, float], bool]:
    """The summary of the latest forecast of each scored day, and whether it drifted."""
    latest = scored.drop_duplicates("date", keep="last").sort_values("date")
    summary: dict[str, float] = {"days_scored": float(len(latest))}
    for days in WINDOWS:
        last = latest.tail(days)
        summary[f"mape_{days}d"] = float(last["ape"].mean())
        if RTE_J1 in last.columns and last[RTE_J1].notna().all():
            rte = percent_errors(last[RTE_J1], last["actual_mwh"])
            summary[f"rte_j1_mape_{days}d"] = float(rte.mean())
    window = latest.tail(max(WINDOWS))
    for level in ("80", "95"):
        summary[f"coverage_{level}"] = float(window[f"in_{level}"].mean() * 100)
    summary["drift_bound_mape"] = drift_bound(backtest, len(window))
    drifted = summary[f"mape_{max(WINDOWS)}d"] > summary["drift_bound_mape"]
    return summary, drifted


def _backtest(root: Path) -> pd.DataFrame:
    path = root / paths.BACKTEST
    if not path.is_file():
        raise InputError(
            "no backtest to judge drift by; expected the file `dvc repro` writes", source=str(path)
        )
    return pd.read_csv(path)


def score(
    root: Path,
    settings: Settings,
    consumption: Path | None = None,
    download: bool = False,
    output: Path | None = None,
) -> Scored:
    """Score every `forecast` run whose day the export holds complete; log the scores on each
    run and a `score` run with the summary and its figure; write `output` (.csv or .json)."""
    check_output_format(output)
    experiment_id = store.configure(root, settings.mlflow.experiment)
    runs = forecast_runs(experiment_id)
    if runs.empty:
        raise InputError(
            f"no finished `forecast` run in the experiment {settings.mlflow.experiment!r} to "
            "score; expected `energy-forecast forecast` to have run first"
        )
    backtest = _backtest(root)
    with tempfile.TemporaryDirectory(prefix="score-") as folder:
        if download:
            consumption = Path(folder) / "consumption.csv"
            first = runs["date"].min() - pd.Timedelta(days=1)
            odre.download(
                settings.data.odre, consumption, Path(folder) / "temperature.csv", first, None
            )
        source = consumption or root / paths.RAW_CONSUMPTION
        # The export's complete days: their energy, and RTE's J-1 where it carries it.
        scored = score_table(runs, read_consumption(source, settings.data.quality).table)
    if scored.empty:
        raise InputError(
            f"none of the {len(runs)} forecast days ({runs['date'].min().date()} to "
            f"{runs['date'].max().date()}) is complete in the export yet",
            source=str(source),
        )
    summary, drifted = summarize(scored, backtest)
    run_id = _log(experiment_id, scored, summary, str(source))
    log.info("score: logged as %s", run_url(root, experiment_id, run_id))
    if output is not None:
        _write(scored, output)
    return Scored(scored, summary, drifted)


def _log(experiment_id: str, scored: pd.DataFrame, summary: dict[str, float], source: str) -> str:
    """Log the scores on each forecast run and the summary run; return the summary run's id."""
    import mlflow
    from mlflow.entities import Metric

    client = mlflow.MlflowClient()
    now = int(pd.Timestamp.now(tz="UTC").timestamp() * 1000)
    for row in scored.itertuples():
        values = {
            "actual_mwh": row.actual_mwh,
            "error_mwh": row.error_mwh,
            "ape": row.ape,
            "in_80": float(row.in_80),
            "in_95": float(row.in_95),
        }
        client.log_batch(row.run_id, metrics=[Metric(k, v, now, 0) for k, v in values.items()])
    with mlflow.start_run(experiment_id=experiment_id, run_name="score") as run:
        mlflow.log_params({"consumption": source, "runs_scored": len(scored)})
        mlflow.log_metrics(summary)
        mlflow.log_table(_output_frame(scored), "scores.json")
        mlflow.log_figure(_figure(scored), "forecasts.png")
    return run.info.run_id


def _output_frame(scored: pd.DataFrame) -> pd.DataFrame:
    frame = scored[SCORE_COLUMNS].copy()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    return frame


def _write(scored: pd.DataFrame, output: Path) -> None:
    frame = _output_frame(scored)
    with atomic_path(output) as tmp:
        if output.suffix == ".json":
            records = frame.round({"forecast_mwh": 1, "actual_mwh": 1, "ape": 4})
            text = json.dumps(records.to_dict(orient="records"), indent=2) + "\n"
            tmp.write_text(text, encoding="utf-8")
        else:
            frame.to_csv(tmp, index=False, float_format="%.4f")


def _figure(scored: pd.DataFrame):
    """The latest forecast of each scored day and its bands, against the actual."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latest = scored.drop_duplicates("date", keep="last").sort_values("date")
    figure, axes = plt.subplots(figsize=(10, 4))
    days = latest["date"]
    axes.fill_between(days, latest["lower_95"], latest["upper_95"], alpha=0.15, label="95 %")
    axes.fill_between(days, latest["lower_80"], latest["upper_80"], alpha=0.3, label="80 %")
    axes.plot(days, latest["forecast_mwh"], marker=".", label="forecast as issued")
    axes.plot(days, latest["actual_mwh"], marker=".", color="black", label="actual")
    axes.set_ylabel("MWh per day")
    axes.set_title("Forecasts as issued, against the day once known")
    axes.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def describe(scored: Scored) -> str:
    """The summary as the command prints it."""
    s = scored.summary
    parts = [f"{int(s['days_scored'])} days scored"]
    parts += [f"MAPE last {d} days {s[f'mape_{d}d']:.2f} %" for d in WINDOWS]
    parts += [
        f"RTE's J-1 {s[f'rte_j1_mape_{d}d']:.2f} %"
        for d in WINDOWS[-1:]
        if f"rte_j1_mape_{d}d" in s
    ]
    parts.append(f"bands held {s['coverage_80']:.0f} % at 80 %, {s['coverage_95']:.0f} % at 95 %")
    return "score: " + ", ".join(parts)


def drift_warning(scored: Scored) -> str:
    s, days = scored.summary, max(WINDOWS)
    return (
        f"warning: the last {min(days, int(s['days_scored']))} days' MAPE "
        f"{s[f'mape_{days}d']:.2f} % is above {s['drift_bound_mape']:.2f} %, what the backtest "
        f"says {DRIFT_QUANTILE:.0%} of such windows stay under: the model has drifted; refit "
        "it (dvc repro with data.end: latest)"
    )
