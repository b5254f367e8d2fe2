"""Configuration runs written by a forked writer into a real SQLite store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from energy_forecast.tracking import store


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The id of an experiment in a fresh `mlflow.db` under tmp_path."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv(store.POOLCLASS, raising=False)
    monkeypatch.chdir(tmp_path)
    yield store.configure(tmp_path, "children")
    mlflow.set_tracking_uri(None)
    os.environ.pop(store.POOLCLASS, None)


def test_child_runs_are_all_written_when_the_block_ends(experiment: str) -> None:
    assert os.environ[store.POOLCLASS] == "NullPool"
    with (
        mlflow.start_run() as parent,
        store.ChildRuns(experiment, parent.info.run_id) as children,
    ):
        for k in range(12):
            children.log(f"c{k}", {"k": k}, {"cv_rmse": float(k)}, {"model": "knn"}, failed=k == 3)
    runs = mlflow.search_runs(
        [experiment], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(runs["params.k"].astype(int)) == list(range(12))
    assert (runs["tags.model"] == "knn").all()
    failed = runs[runs["status"] == "FAILED"]
    assert failed["params.k"].tolist() == ["3"] and (runs["status"] != "RUNNING").all()


def test_a_failed_write_is_raised_when_the_block_ends(experiment: str) -> None:
    with (
        mlflow.start_run() as parent,
        pytest.raises(ValueError, match="could not convert string to float"),
        store.ChildRuns(experiment, parent.info.run_id) as children,
    ):
        children.log("ok", {}, {"cv_rmse": 1.0}, {}, failed=False)
        children.log("bad", {}, {"cv_rmse": "not a number"}, {}, failed=False)
