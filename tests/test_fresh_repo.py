"""Stages in a fresh git + DVC repository: featurize and its no-op second run, and how bad
data, bad params and a failing configuration stop a stage or let it go on."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import BIN, SMALL, all_runs, cli, merge, run

pytestmark = pytest.mark.slow
DVC = str(BIN / "dvc")


def test_featurize_on_the_synthetic_default_then_nothing_to_do(repo: Path) -> None:
    first = run(repo, DVC, "repro", "featurize")
    assert "Running stage 'ingest'" in first.stdout
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert len(daily) == len(pd.date_range("2016-01-01", "2017-03-31"))
    assert daily["date"].is_monotonic_increasing
    again = run(repo, DVC, "repro", "featurize")
    assert "Running stage" not in again.stdout


def test_bad_raw_data_stops_featurize_and_keeps_the_previous_table(repo: Path) -> None:
    run(repo, DVC, "repro", "featurize")
    table = (repo / "data/processed/daily.parquet").read_bytes()
    raw = repo / "data/raw/consumption.csv"
    lines = raw.read_bytes().split(b"\r\n")
    lines[10] = lines[10].replace(b";D\xc3\xa9finitif;", b";oops;D\xc3\xa9finitif;", 1)
    raw.write_bytes(b"\r\n".join(lines))
    done = cli(repo, "featurize", check=False)
    assert done.returncode == 2
    assert "data/raw/consumption.csv, line 11, column 'Statut - RTE'" in done.stderr
    assert (repo / "data/processed/daily.parquet").read_bytes() == table
    assert sorted(p.name for p in (repo / "data/processed").iterdir()) == [
        ".gitignore",
        "daily.parquet",
    ]


@pytest.fixture
def fails(repo: Path):
    """`energy-forecast --params bad.yaml COMMAND` in the repo: its exit code must be 2, and it
    returns what it printed on stderr."""

    def stage(override: dict, *command: str) -> str:
        params = merge(yaml.safe_load((repo / "params.yaml").read_text()), override)
        (repo / "bad.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        done = cli(repo, "--params", "bad.yaml", *command, check=False)
        assert done.returncode == 2, done.stderr[-2000:]
        return done.stderr

    return stage


def test_bad_params_stop_before_any_fitting(repo: Path, fails) -> None:
    run(repo, DVC, "repro", "featurize")
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
    assert not (repo / "models/families/knn").exists() and not (repo / "mlflow.db").exists()
    message = fails({"data": {"start": "2017-01-01", "end": "2016-01-01"}}, "ingest")
    assert "data.start (2017-01-01) is after data.end" in message
    message = fails({"data": {"end": "2019-01-31"}}, "featurize")
    assert "data.end 2019-01-31 is past the data" in message
    assert "data/raw/consumption.csv ends on 2017-03-31" in message


def test_a_failing_configuration_is_logged_and_the_others_go_on(repo: Path) -> None:
    run(repo, DVC, "repro", "featurize")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["families"]["knn"]["grid"]["n_neighbors"] = [5, 100000]
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(repo, DVC, "repro", "train@knn")
    runs = all_runs(repo)
    failed = [r for r in runs if r.info.status == "FAILED"]
    assert len(failed) == 1 and "n_neighbors" in failed[0].data.tags["error"]
    assert json.loads((repo / "reports/train/knn.json").read_text())["n_failed"] == 1
