"""Experiments as users run them: a forced retrain, dvc exp run, the queue, each on a copy of
the trained repository of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BIN, cli, client, queue_backtests, run

from energy_forecast.tracking.lineage import locked_md5s

pytestmark = pytest.mark.slow
DVC = str(BIN / "dvc")


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


def test_exp_run_changes_the_selected_model(trained_copy: Path) -> None:
    run(trained_copy, "git", "add", "-A")
    run(trained_copy, "git", "commit", "-qm", "first run")
    before = json.loads((trained_copy / "reports/metrics.json").read_text())
    other = "ptg" if before["model"] != "ptg" else "knn"
    exp = run(trained_copy, DVC, "exp", "run", "-S", f"model={other}")
    assert "Running stage 'select'" in exp.stdout
    assert "Running stage 'evaluate'" in exp.stdout
    assert "Running stage 'train@" not in exp.stdout
    assert f"**{other}** (selected)" in (trained_copy / "reports/comparison.md").read_text()
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
    promoted = cli(trained_copy, "promote", str(newest.version))
    assert f"@champion -> {name} version {newest.version}" in promoted.stdout
    assert registry.get_model_version_by_alias(name, "champion").version == newest.version
    missing = cli(trained_copy, "promote", "999", check=False)
    assert missing.returncode == 2 and "has no version 999" in missing.stderr


def test_queued_experiments_run_two_at_a_time_on_the_project_store(trained_copy: Path) -> None:
    """Two queued experiments at once, each in a temporary copy of the repository (as
    `dvc exp run --temp` runs one), writing to the one SQLite file of the project: no lock
    errors, each run with its own lineage and params, the store never copied. (An experiment
    registering its model is `test_exp_run_changes_the_selected_model`'s.)"""
    run(trained_copy, "git", "add", "-A")
    run(trained_copy, "git", "commit", "-qm", "before the queue", check=False)
    cadences = [45, 60]
    experiments = queue_backtests(trained_copy, cadences)
    # Two queue workers, followed until both experiments are done.
    ran = run(trained_copy, DVC, "exp", "run", "--run-all", "-j", "2")
    assert all(name in ran.stdout for name in experiments), ran.stdout
    status = run(trained_copy, DVC, "queue", "status").stdout
    assert status.count("Success") == len(experiments), status
    registry = client(trained_copy)
    name = "electricity-consumption-forecast"
    experiment = registry.get_experiment_by_name(name)
    md5 = locked_md5s(trained_copy)["data/processed/daily.parquet"]
    for exp_name, days in zip(experiments, cadences, strict=True):
        logs = run(trained_copy, DVC, "queue", "logs", exp_name).stdout
        assert "database is locked" not in logs and "Traceback" not in logs
        (backtest,) = registry.search_runs(
            [experiment.experiment_id],
            f"tags.`dvc.stage` = 'backtest' and tags.`dvc.exp_name` = '{exp_name}'",
        )
        assert backtest.data.tags["data.features.md5"] == md5
        assert backtest.data.params["backtest.refit_days"] == str(days)
    assert list(trained_copy.rglob("mlflow.db")) == [trained_copy / "mlflow.db"]
