"""`energy-forecast ui`: the MLflow UI on this project's store, opened on its training runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from energy_forecast.core.errors import InputError
from energy_forecast.tracking import store

# The variable that turns MLflow's job runner (seven `huey` worker processes) on or off.
JOB_EXECUTION = "MLFLOW_SERVER_ENABLE_JOB_EXECUTION"
# Where `energy-forecast ui` serves the local store by default.
DEFAULT_PORT = 5000
# The UI remembers its GenAI/training switch in the browser and opens a page it has no memory
# for (a run's page too) in the GenAI view: every link the commands print selects training.
TRAINING_VIEW = "workflowType=machine_learning"


def experiment_url(base: str, experiment_id: str) -> str:
    """The UI's page of the experiment's runs, in its model-training view."""
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs?{TRAINING_VIEW}"


def run_url(cwd: Path, experiment_id: str, run_id: str) -> str:
    """A run's page in the UI that serves the store of `cwd`, in its model-training view: the
    tracking server's own, or `energy-forecast ui`'s on its default port."""
    uri = store.tracking_uri(cwd)
    base = uri if uri.startswith(("http://", "https://")) else f"http://127.0.0.1:{DEFAULT_PORT}"
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}?{TRAINING_VIEW}"


def open_ui(cwd: Path, experiment: str, port: int) -> None:
    """Print the experiment's URL, then become `mlflow ui` on the local store (for a tracking
    server, which already serves its UI, the URL alone)."""
    experiment_id = store.configure(cwd, experiment)
    uri = store.tracking_uri(cwd)
    if uri.startswith(("http://", "https://")):
        print(experiment_url(uri, experiment_id))
        return
    mlflow = shutil.which("mlflow")
    if mlflow is None:
        raise InputError("the `mlflow` command is not on PATH; activate the project's .venv")
    print(f"MLflow UI: {experiment_url(f'http://127.0.0.1:{port}', experiment_id)}", flush=True)
    # One user's browser: one server process instead of MLflow's four, each importing MLflow,
    # and no job runner for the GenAI features this project does not use.
    os.environ.setdefault(JOB_EXECUTION, "false")
    command = ["mlflow", "ui", "--backend-store-uri", uri, "--host", "127.0.0.1", "--workers", "1"]
    os.execv(mlflow, [*command, "--port", str(port)])
