"""Experiments as users run them: a forced retrain, dvc exp run, the queue, --temp, each on
a copy of the trained repository of its own."""

from __future__ import annotations

import json
import time
from pathlib import Path

import mlflow
import pytest
from conftest import BIN, run

from energy_forecast.tracking.lineage import locked_md5s

pytestmark = pytest.mark.slow
DVC = str(BIN / "dvc")


def client(repo: Path) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")


def test_second_repro_does_nothing_and_retraining_gives_the_same_files(
    trained_copy: Path,
) -> None:
    assert "Running stage" not in run(trained_copy, DVC, "repro").stdout
    lock = (trained_copy / "dvc.lock").read_bytes()
    compared = ("reports/metrics.json", "reports/families.json", "reports/predictions.csv")
    before = {p: (trained_copy / p).read_bytes() for p in (*compared, "reports/backtest.json")}
    # A family refitted from scratch: a new MLflow run, the same model files, so nothing
    # downstream has to run again and dvc.lock records the same hashes.
    forced = run(trained_copy, DVC, "repro", "-f", "-s", "train@ridge")
    assert "Running stage 'train@ridge'" in forced.stdout
    assert "Running stage" not in run(trained_copy, DVC, "repro").stdout
    assert (trained_copy / "dvc.lock").read_bytes() == lock
    for path, content in before.items():
        assert (trained_copy / path).read_bytes() == content, path


def test_exp_run_changes_the_promoted_model(trained_copy: Path) -> None:
    run(trained_copy, "git", "add", "-A")
    run(trained_copy, "git", "commit", "-qm", "first run")
    before = json.loads((trained_copy / "reports/metrics.json").read_text())
    other = "ptg" if before["model"] != "ptg" else "knn"
    exp = run(trained_copy, DVC, "exp", "run", "-S", f"model={other}")
    assert "Running stage 'select'" in exp.stdout
    assert "Running stage 'evaluate'" in exp.stdout
    assert "Running stage 'train@" not in exp.stdout
    assert f"**{other}** (promoted)" in (trained_copy / "reports/comparison.md").read_text()
    after = json.loads((trained_copy / "reports/metrics.json").read_text())
    assert after["model"] == other and after["test"] != before["test"]
    diff = run(trained_copy, DVC, "metrics", "diff", "--json")
    changed = json.loads(diff.stdout)["reports/metrics.json"]
    assert changed["model"]["new"] == other and "test.rmse" in changed
    shown = run(trained_copy, DVC, "exp", "show", "--json")
    assert other in shown.stdout
    # The experiment registered its model; production (@champion) stays until promoted.
    registry = client(trained_copy)
    name = "electricity-consumption-forecast"
    champion = registry.get_model_version_by_alias(name, "champion")
    assert champion.tags["model"] == before["model"] and "dvc.exp_name" not in champion.tags
    newest = max(registry.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
    assert newest.tags["model"] == other and newest.tags["dvc.exp_name"]
    # The experiment's stage runs sit under a parent run named after it, not under main's.
    evaluate = registry.search_runs(
        [registry.get_experiment_by_name(name).experiment_id],
        f"tags.`dvc.stage` = 'evaluate' and tags.`dvc.exp_name` = '{newest.tags['dvc.exp_name']}'",
    )
    assert len(evaluate) == 1
    parent = registry.get_run(evaluate[0].data.tags["mlflow.parentRunId"])
    assert parent.info.run_name == newest.tags["dvc.exp_name"]
    promoted = run(trained_copy, str(BIN / "energy-forecast"), "promote", str(newest.version))
    assert f"@champion -> {name} version {newest.version}" in promoted.stdout
    assert registry.get_model_version_by_alias(name, "champion").version == newest.version
    missing = run(trained_copy, str(BIN / "energy-forecast"), "promote", "999", check=False)
    assert missing.returncode == 2 and "has no version 999" in missing.stderr


def test_queued_experiments_run_two_at_a_time_on_the_sqlite_store(trained_copy: Path) -> None:
    """Three queued experiments, two workers, one SQLite file: no lock errors, own lineage."""
    run(trained_copy, "git", "add", "-A")
    run(trained_copy, "git", "commit", "-qm", "before the queue", check=False)
    # Each re-runs the backtest alone: three experiments writing to the store at once.
    cadences = [20, 45, 60]
    for days in cadences:
        run(trained_copy, DVC, "exp", "run", "--queue", "-S", f"backtest.refit_days={days}")
    run(trained_copy, DVC, "queue", "start", "-j", "2")
    deadline = time.monotonic() + 600
    status = ""
    while time.monotonic() < deadline:
        status = run(trained_copy, DVC, "queue", "status").stdout
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(3)
    assert status.count("Success") == 3, status
    registry = client(trained_copy)
    experiment = registry.get_experiment_by_name("electricity-consumption-forecast")
    md5 = locked_md5s(trained_copy)["data/processed/daily.parquet"]
    runs = registry.search_runs([experiment.experiment_id], "tags.`dvc.stage` = 'backtest'")
    queued = [r for r in runs if "dvc.exp_name" in r.data.tags]
    by_cadence = {r.data.params["backtest.refit_days"]: r for r in queued}
    assert set(map(str, cadences)) <= set(by_cadence)
    names = {by_cadence[str(days)].data.tags["dvc.exp_name"] for days in cadences}
    assert len(names) == 3
    for name in names:
        logs = run(trained_copy, DVC, "queue", "logs", name).stdout
        assert "database is locked" not in logs and "Traceback" not in logs
    assert all(by_cadence[str(d)].data.tags["data.features.md5"] == md5 for d in cadences)


def test_temp_experiments_log_to_the_project_store(trained_copy: Path) -> None:
    run(trained_copy, "git", "add", "-A")
    run(trained_copy, "git", "commit", "-qm", "experiment applied", check=False)
    run(trained_copy, DVC, "exp", "run", "--temp", "-S", "model=mlp", "-n", "in-temp")
    registry = client(trained_copy)
    name = "electricity-consumption-forecast"
    newest = max(registry.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
    assert newest.tags["model"] == "mlp" and newest.tags["dvc.exp_name"] == "in-temp"
    assert registry.get_model_version_by_alias(name, "champion").version != newest.version
    assert list(trained_copy.rglob("mlflow.db")) == [trained_copy / "mlflow.db"]
