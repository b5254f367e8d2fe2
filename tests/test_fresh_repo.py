"""Stages in a fresh git + DVC repository: featurize and its no-op second run, the weather
forecasts ingest archives, and how bad data and bad params stop a stage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import BIN, SMALL, cli, merge, run

pytestmark = pytest.mark.slow
DVC = str(BIN / "dvc")


def test_featurize_on_the_synthetic_default_then_nothing_to_do(
    first_featurize: tuple[Path, str], featurized: Path
) -> None:
    assert "Running stage 'ingest'" in first_featurize[1]
    daily = pd.read_parquet(featurized / "data/processed/daily.parquet")
    assert len(daily) == len(pd.date_range("2016-01-01", "2017-03-31"))
    assert daily["date"].is_monotonic_increasing
    again = run(featurized, DVC, "repro", "featurize")
    assert "Running stage" not in again.stdout


def test_bad_raw_data_stops_featurize_and_keeps_the_previous_table(featurized: Path) -> None:
    table = (featurized / "data/processed/daily.parquet").read_bytes()
    curve = (featurized / "data/processed/curve.parquet").read_bytes()
    raw = featurized / "data/raw/consumption.csv"
    lines = raw.read_bytes().split(b"\r\n")
    lines[10] = lines[10].replace(b";D\xc3\xa9finitif;", b";oops;D\xc3\xa9finitif;", 1)
    raw.write_bytes(b"\r\n".join(lines))
    done = cli(featurized, "featurize", check=False)
    assert done.returncode == 2
    assert "data/raw/consumption.csv, line 11, column 'Statut - RTE'" in done.stderr
    assert (featurized / "data/processed/daily.parquet").read_bytes() == table
    assert (featurized / "data/processed/curve.parquet").read_bytes() == curve
    assert sorted(p.name for p in (featurized / "data/processed").iterdir()) == [
        ".gitignore",
        "curve.parquet",
        "daily.parquet",
    ]


def test_a_bad_row_of_joined_exports_is_named_in_the_users_file(featurized: Path) -> None:
    header, *rows = (featurized / "data/raw/consumption.csv").read_bytes().split(b"\r\n")
    half = len(rows) // 2
    external = featurized / "data/external"
    (external / "consumption_a.csv").write_bytes(b"\r\n".join([header, *rows[:half]]) + b"\r\n")
    later = [header, *rows[half:]]
    later[10] = later[10].replace(b";D\xc3\xa9finitif;", b";oops;D\xc3\xa9finitif;", 1)
    (external / "consumption_b.csv").write_bytes(b"\r\n".join(later))
    (external / "temperature.csv").write_bytes(
        (featurized / "data/raw/temperature.csv").read_bytes()
    )
    params = yaml.safe_load((featurized / "params.yaml").read_text())
    files = {"consumption": "data/external/consumption_*.csv"}
    params["data"] |= {
        "source": "files",
        "files": files | {"temperature": "data/external/temperature.csv"},
    }
    (featurized / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    cli(featurized, "ingest")
    assert json.loads((featurized / "data/raw/sources.json").read_text())["consumption.csv"] == [
        {"export": "data/external/consumption_a.csv", "first_raw_line": 1, "first_line": 1},
        {"export": "data/external/consumption_b.csv", "first_raw_line": half + 2, "first_line": 2},
    ]
    done = cli(featurized, "featurize", check=False)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "error: data/external/consumption_b.csv, line 11, column 'Statut - RTE': "
    )
    assert line.endswith(
        f"(line {half + 11} of data/raw/consumption.csv, where ingest joined the exports)"
    )


@pytest.fixture
def fails(featurized: Path):
    """`energy-forecast --params bad.yaml COMMAND` in the featurized repository: its exit code
    must be 2, and it returns what it printed on stderr."""

    def stage(override: dict, *command: str) -> str:
        params = merge(yaml.safe_load((featurized / "params.yaml").read_text()), override)
        (featurized / "bad.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        done = cli(featurized, "--params", "bad.yaml", *command, check=False)
        assert done.returncode == 2, done.stderr[-2000:]
        return done.stderr

    return stage


def test_bad_params_stop_before_any_fitting(featurized: Path, fails) -> None:
    knn = SMALL["families"]["knn"]
    cases = [
        ({"families": {"knn": {**knn, "feature_sets": ["nope"]}}}, "families.knn.feature_sets"),
        ({"families": {"knn": {**knn, "grid": {"n_neighbors": [0]}}}}, "families.knn.grid"),
        ({"families": {"knn": {**knn, "grid": {"neighbours": [3]}}}}, "families.knn.grid"),
        ({"features": {"sets": {"all": ["weekday", "moon_phase"]}}}, "features.sets.all"),
        ({"split": {"test_start": "2015-01-01", "test_end": "2015-06-30"}}, "split.test_start"),
        ({"split": {"test_start": "2018-01-01", "test_end": "2018-06-30"}}, "overlaps no data"),
        ({"cv": {"folds": 2, "min_train_days": 400}}, "cv.min_train_days"),
    ]
    for override, expected in cases:
        assert expected in fails(override, "train", "knn")
    assert (
        not (featurized / "models/families/knn").exists()
        and not (featurized / "mlflow.db").exists()
    )
    message = fails({"data": {"start": "2017-01-01", "end": "2016-01-01"}}, "ingest")
    assert "data.start (2017-01-01) is after data.end" in message
    message = fails({"data": {"end": "2019-01-31"}}, "featurize")
    assert "data.end 2019-01-31 is past the data" in message
    assert "data/raw/consumption.csv ends on 2017-03-31" in message


def test_ingest_archives_the_weather_forecasts_of_each_source(repo: Path) -> None:
    """With weather forecasts (`backtest.weather` or `intervals.weather`), generated data bring
    their own; `files` copies data.files.temperature_forecast, and without one `ingest` says
    what to set; with neither the archive is its header alone. (The pipeline that backtests
    and calibrates on them is the team's, tests/test_team.py.)"""
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["backtest"]["weather"] = "forecast"
    params["intervals"]["weather"] = "forecast"
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    cli(repo, "ingest")
    archive = repo / "data/raw/temperature_forecast.csv"
    head, *rows = archive.read_text().splitlines()
    assert head == "issued_at;Date;Code INSEE région;TMin (°C);TMax (°C);TMoy (°C)"
    # Each day of data.start..data.end forecast on the day and the two days before.
    assert len(rows) == 13 * (3 * len(pd.date_range("2016-01-01", "2017-03-31")) - 3)

    external = repo / "data/external"
    for name in ("consumption", "temperature", "temperature_forecast"):
        (external / f"{name}.csv").write_bytes((repo / f"data/raw/{name}.csv").read_bytes())
    files = {"consumption": "data/external/consumption.csv"}
    files |= {"temperature": "data/external/temperature.csv"}
    params["data"] |= {"source": "files", "files": files}
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    done = cli(repo, "ingest", check=False)
    assert done.returncode == 2
    assert "backtest.weather: forecast and intervals.weather: forecast need weather" in done.stderr
    assert archive.read_text().splitlines()[1:] == rows  # nothing half-written
    files["temperature_forecast"] = "data/external/temperature_forecast.csv"
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    cli(repo, "ingest")
    assert archive.read_text().splitlines() == [head, *rows]
    params["backtest"]["weather"] = "observed"
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    cli(repo, "ingest")
    assert archive.read_text().splitlines() == [head, *rows]  # the bands still read it
    params["intervals"]["weather"] = "simulated"
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    cli(repo, "ingest")
    assert archive.read_text().splitlines() == [head]
