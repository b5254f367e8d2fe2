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


@pytest.mark.slow
def test_the_ui_command_serves_the_experiment_in_its_training_view(tmp_path: Path) -> None:
    """`energy-forecast ui` prints the experiment's training-view URL, then is `mlflow ui`
    on the project's store: the page it names answers, and so does the experiment's API."""
    import shutil
    import subprocess
    import time

    import requests
    import yaml
    from conftest import BIN, ROOT, env

    from energy_forecast.serving.server import free_port

    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    name = yaml.safe_load((ROOT / "params.yaml").read_text())["mlflow"]["experiment"]
    port = free_port()
    ui = subprocess.Popen(
        [str(BIN / "energy-forecast"), "ui", "--port", str(port)],
        cwd=tmp_path,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = ui.stdout.readline()
        base = f"http://127.0.0.1:{port}"
        assert first.startswith(f"MLflow UI: {base}/#/experiments/")
        assert first.rstrip().endswith("/runs?workflowType=machine_learning")
        experiment_id = first.split("/#/experiments/")[1].split("/")[0]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                page = requests.get(base, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        assert page.status_code == 200 and "<html" in page.text.lower()
        found = requests.get(
            f"{base}/api/2.0/mlflow/experiments/get-by-name",
            params={"experiment_name": name},
            timeout=5,
        ).json()["experiment"]
        assert found["experiment_id"] == experiment_id
        assert (tmp_path / "mlflow.db").exists()
        # One server process under `mlflow ui`: no worker pool, no GenAI job runner (`huey`).
        under = descendants(ui.pid)
        assert len(under) == 1 and "uvicorn" in under[0], under
    finally:
        ui.terminate()
        ui.wait(timeout=30)


def descendants(pid: int) -> list[str]:
    """The command lines of the processes under `pid`, from Linux's /proc."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        found += [cmdline.decode(errors="replace"), *descendants(int(child))]
    return found
