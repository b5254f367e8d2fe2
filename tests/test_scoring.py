"""`energy-forecast score` on real `forecast` runs of a trained repository: each run scored
against the export once its day is known, the summary, the output file, drift."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from conftest import BIN, PARAMS, cli, copy_repo, run, weather_archive

from energy_forecast.core.inputs import RTE_J1
from energy_forecast.data import exports
from energy_forecast.serving.scoring import SCORE_COLUMNS, drift_bound, score_table, summarize

PARIS = "Europe/Paris"
# The last days of the trained repository's data, each forecast as issued at 09:00 on D-1.
DAYS = pd.date_range("2017-03-20", "2017-03-31")


def test_scores_and_summary_on_known_numbers() -> None:
    days = pd.date_range("2024-01-01", periods=3)
    runs = pd.DataFrame(
        {
            "run_id": ["a", "b", "c", "d"],
            # The second day was forecast twice: the summary reads the later one.
            "date": [days[0], days[1], days[1], days[2]],
            "issued_at": ["t0", "t1", "t1b", "t2"],
            "started": [0, 1, 2, 3],
            "forecast_mwh": [101.0, 50.0, 99.0, 110.0],
            "lower_80": [95.0, 45.0, 98.0, 105.0],
            "upper_80": [105.0, 55.0, 102.0, 108.0],
            "lower_95": [90.0, 40.0, 97.0, 104.0],
            "upper_95": [110.0, 60.0, 103.0, 112.0],
        }
    )
    known = pd.DataFrame(
        {"consumption_mwh": [100.0, 100.0, 100.0], RTE_J1: [102.0, 97.0, 100.0]}, index=days
    )
    scored = score_table(runs, known.iloc[:3])
    assert scored["ape"].tolist() == pytest.approx([1.0, 50.0, 1.0, 10.0])
    assert scored["in_80"].tolist() == [True, False, True, False]
    assert scored["in_95"].tolist() == [True, False, True, False]
    # A backtest whose served forecast is off by 1 % then 3 %: any 3 days' MAPE is 1 % to 3 %.
    backtest = pd.DataFrame({"actual": [100.0] * 10, "adaptive": [101.0] * 5 + [103.0] * 5})
    summary, drifted = summarize(scored, backtest)
    assert summary["days_scored"] == 3
    assert summary["mape_7d"] == pytest.approx((1 + 1 + 10) / 3)
    assert summary["rte_j1_mape_7d"] == pytest.approx((2 + 3 + 0) / 3)
    assert summary["coverage_80"] == pytest.approx(200 / 3)
    assert summary["drift_bound_mape"] == pytest.approx(3.0)
    assert drifted
    assert not summarize(scored[scored["run_id"] != "d"], backtest)[1]


@pytest.fixture(scope="module")
def forecast_repo(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained repository with a `forecast` run for each of DAYS."""
    repo = copy_repo(trained_repo, tmp_path_factory.mktemp("scoring") / "repo")
    weather = weather_archive(
        repo / "data/raw/temperature.csv",
        DAYS[0] - pd.Timedelta(days=1),
        repo.parent / "weather.csv",
    )
    for day in DAYS:
        cli(repo, "forecast", "--date", day.strftime("%Y-%m-%d"), "--weather", str(weather))
    return repo


def runs_named(repo: Path, name: str) -> list:
    store = mlflow.MlflowClient(f"sqlite:///{repo / 'mlflow.db'}")
    experiment = store.get_experiment_by_name(PARAMS["mlflow"]["experiment"])
    return store.search_runs(
        [experiment.experiment_id], f"attributes.run_name = '{name}'", max_results=1000
    )


def scaled_export(source: Path, target: Path, factor: float) -> Path:
    """The consumption export with every half-hour's MW times `factor`."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    column = lines[0].split(";").index(exports.CONSUMPTION_MW)
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split(";")
        if fields[column]:
            fields[column] = str(round(int(fields[column]) * factor))
        out.append(";".join(fields))
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return target


@pytest.mark.slow
def test_each_forecast_is_scored_against_its_day_once_known(
    forecast_repo: Path, tmp_path: Path
) -> None:
    repo = forecast_repo
    output = tmp_path / "scores.csv"
    # As a user runs it: its log lines, the run's link among them, on stderr.
    done = run(repo, str(BIN / "energy-forecast"), "score", "--output", str(output), check=False)
    daily = pd.read_parquet(repo / "data/processed/daily.parquet").set_index("date")
    forecasts = {
        pd.Timestamp(r.data.params["date"]): r.data.metrics for r in runs_named(repo, "forecast")
    }
    assert sorted(forecasts) == list(DAYS)
    actual = daily.loc[DAYS, "consumption_mwh"].to_numpy()
    issued = np.array([forecasts[d]["consumption_mwh"] for d in DAYS])
    ape = np.abs(issued / actual - 1) * 100
    in_80 = [
        forecasts[d]["lower_80"] <= a <= forecasts[d]["upper_80"]
        for d, a in zip(DAYS, actual, strict=True)
    ]

    written = pd.read_csv(output)
    assert list(written.columns) == SCORE_COLUMNS
    assert written["date"].tolist() == [d.strftime("%Y-%m-%d") for d in DAYS]
    np.testing.assert_allclose(written["ape"], ape, atol=1e-4)
    np.testing.assert_allclose(written["actual_mwh"], actual, atol=1e-4)
    assert written["in_80"].tolist() == in_80

    # Each forecast run carries its score; the summary run the last 7 and 30 days' MAPE.
    for scored in runs_named(repo, "forecast"):
        day = pd.Timestamp(scored.data.params["date"])
        assert scored.data.metrics["ape"] == pytest.approx(ape[DAYS.get_loc(day)])
    (summary,) = runs_named(repo, "score")
    assert f"/runs/{summary.info.run_id}?workflowType=machine_learning" in done.stderr
    assert summary.data.metrics["mape_7d"] == pytest.approx(ape[-7:].mean())
    assert summary.data.metrics["mape_30d"] == pytest.approx(ape.mean())
    assert summary.data.metrics["coverage_80"] == pytest.approx(np.mean(in_80) * 100)
    assert f"MAPE last 7 days {ape[-7:].mean():.2f} %" in done.stdout
    artifacts = {
        a.path
        for a in mlflow.MlflowClient(f"sqlite:///{repo / 'mlflow.db'}").list_artifacts(
            summary.info.run_id
        )
    }
    assert {"forecasts.png", "scores.json"} <= artifacts

    # Drift is judged on the backtest of this repository: exit 3 exactly when above its bound.
    backtest = pd.read_csv(repo / "reports/backtest.csv")
    drifted = ape.mean() > drift_bound(backtest, len(DAYS))
    assert done.returncode == (3 if drifted else 0), done.stderr[-2000:]


@pytest.mark.slow
def test_a_drifted_series_exits_3_with_one_warning(forecast_repo: Path, tmp_path: Path) -> None:
    # The same days, 10 % more consumed than the model knows: far past what the backtest saw.
    higher = scaled_export(
        forecast_repo / "data/raw/consumption.csv", tmp_path / "higher.csv", 1.10
    )
    output = tmp_path / "scores.json"
    done = cli(
        forecast_repo, "score", "--consumption", str(higher), "--output", str(output), check=False
    )
    assert done.returncode == 3, done.stderr[-2000:]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "the model has drifted; refit it" in warnings[0]
    records = json.loads(output.read_text())
    assert [list(r) for r in records[:1]] == [SCORE_COLUMNS]
    assert {type(r["in_80"]) for r in records} == {bool}
    assert min(r["ape"] for r in records) > 5


@pytest.mark.slow
def test_score_without_forecast_runs_is_one_error(trained_copy: Path) -> None:
    done = cli(trained_copy, "score", check=False)
    assert done.returncode == 2
    assert "no finished `forecast` run" in done.stderr
