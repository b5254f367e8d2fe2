"""MLflow plumbing: one store per project, however DVC runs the stage.

The store is `sqlite:///mlflow.db` at the project root and artifacts go to `mlruns/` beside
it. `dvc exp run --temp` and queued experiments run in a copy of the workspace under
`.dvc/tmp/exps/`; the root is then the project that holds that folder, so every experiment
logs to the same store. `MLFLOW_TRACKING_URI` overrides all of this.

Runs are laid out as a user reads them: one parent run per `dvc repro` (or experiment), named
after the experiment where there is one; under it one run per stage; under a `train@` run one
run per configuration it tried.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from energy_forecast.core.errors import InputError, first_line

log = logging.getLogger(__name__)

POOLCLASS = "MLFLOW_SQLALCHEMYSTORE_POOLCLASS"
# The MLflow UI opens an experiment on its training runs, not on GenAI traces and prompts.
EXPERIMENT_KIND = "mlflow.experimentKind"
EXPERIMENT_TAGS = {EXPERIMENT_KIND: "custom_model_development"}
_TEMP_WORKSPACES = os.sep + os.path.join(".dvc", "tmp", "exps") + os.sep


def project_root(cwd: Path) -> Path:
    root = str(Path(os.environ.get("DVC_ROOT") or cwd).resolve())
    if _TEMP_WORKSPACES in root:
        root = root.split(_TEMP_WORKSPACES)[0]
    return Path(root)


def tracking_uri(cwd: Path) -> str:
    root = project_root(cwd)
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{root / 'mlflow.db'}"


def configure(cwd: Path, experiment: str) -> str:
    """Point MLflow at the project's store and experiment; return the experiment id.

    A store that cannot be opened is one line naming it and what to do, before the stage
    writes anything.
    """
    from mlflow.exceptions import MlflowException
    from sqlalchemy.exc import SQLAlchemyError

    uri = tracking_uri(cwd)
    started = time.monotonic()
    try:
        return _configure(cwd, experiment)
    except (MlflowException, SQLAlchemyError, sqlite3.Error, OSError) as err:
        reason = first_line(err)
        if uri.startswith(("http://", "https://")):
            raise InputError(_server_error(uri, reason, time.monotonic() - started)) from None
        if "readonly database" in reason:
            raise InputError(
                f"the MLflow store {uri} opens but cannot be written ({reason}); make the file "
                "and its folder writable by this user, or set MLFLOW_TRACKING_URI to a store "
                "that is"
            ) from None
        if "database is locked" in reason:
            raise InputError(
                f"the MLflow store {uri} is locked by another process ({reason}); run again "
                "once the other command writing to it (dvc repro, forecast, a script) has ended"
            ) from None
        raise InputError(
            f"the MLflow store {uri} cannot be used ({type(err).__name__}: {reason}); if it is "
            "a damaged file, restore it from a copy (the runs and the model registry live in "
            "it), or set MLFLOW_TRACKING_URI to a working store"
        ) from None


def _server_error(uri: str, reason: str, seconds: float) -> str:
    """What went wrong with a tracking server, and what to do."""
    if "Max retries exceeded" in reason or "Connection refused" in reason:
        return (
            f"no MLflow server answers at {uri} (MLFLOW_TRACKING_URI); tried for {seconds:.0f} s "
            "with MLflow's retries (MLFLOW_HTTP_REQUEST_MAX_RETRIES); start it (mlflow server), "
            "or unset MLFLOW_TRACKING_URI to use the project's mlflow.db"
        )
    return f"the MLflow server at {uri} (MLFLOW_TRACKING_URI) refused the request: {reason}"


def _configure(cwd: Path, experiment: str) -> str:
    import mlflow

    root = project_root(cwd)
    uri = tracking_uri(cwd)
    mlflow.set_tracking_uri(uri)
    # Stage logs are read by people; a progress bar for a local copy is noise in them.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    client = mlflow.MlflowClient()
    if uri.startswith("sqlite:///"):
        # No pooled connection outlives a session, so none is shared with the forked writer
        # of `ChildRuns` (SQLAlchemy's advice for os.fork); opening one costs microseconds.
        os.environ.setdefault(POOLCLASS, "NullPool")
        # Write-ahead logging: one sync per commit instead of several; the mode is stored in
        # the database file, so every later connection (mlflow ui too) uses it.
        with contextlib.closing(
            sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None)
        ) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            _check_writable(connection)
    found = client.get_experiment_by_name(experiment)
    if found is not None:
        experiment_id = found.experiment_id
    else:
        artifacts = (root / "mlruns").as_uri() if uri.startswith("sqlite:///") else None
        experiment_id = client.create_experiment(
            experiment, artifact_location=artifacts, tags=EXPERIMENT_TAGS
        )
    if found is not None and found.tags.get(EXPERIMENT_KIND) is None:
        client.set_experiment_tag(experiment_id, EXPERIMENT_KIND, EXPERIMENT_TAGS[EXPERIMENT_KIND])
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def _check_writable(connection: sqlite3.Connection) -> None:
    """Raise sqlite3's own error if the store opens read-only (file mode, a read-only mount),
    before MLflow logs its traceback of the first run it cannot create. The write is rolled
    back."""
    connection.execute("BEGIN")
    try:
        connection.execute("CREATE TABLE energy_forecast_write_check (x)")
    finally:
        connection.execute("ROLLBACK")


# The tag naming the `dvc` process whose stages a parent run gathers.
PIPELINE_TAG = "dvc.pipeline"


def _dvc_process() -> str | None:
    """The `dvc` command running this stage, as 'pid:start time', or None when the stage was
    not started by DVC or the system does not tell (only Linux's /proc is read)."""
    pid = os.getppid()
    while pid > 1:
        proc = Path("/proc") / str(pid)
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        if any(Path(arg.decode(errors="replace")).name == "dvc" for arg in argv[:2]):
            # The start time (in clock ticks since boot) tells a reused pid apart.
            return f"{pid}:{fields[19]}"
        pid = int(fields[1])
    return None


def _parent_run(experiment_id: str, tags: dict[str, str]) -> str | None:
    """The run that gathers this `dvc repro`'s (or experiment's) stages, made by its first."""
    from mlflow import MlflowClient
    from mlflow.tracking.context.registry import resolve_tags

    pipeline = _dvc_process()
    if pipeline is None:
        return None
    client = MlflowClient()
    found = client.search_runs(
        [experiment_id], filter_string=f"tags.`{PIPELINE_TAG}` = '{pipeline}'", max_results=1
    )
    if found:
        run_id = found[0].info.run_id
        client.update_run(run_id, status="RUNNING")
        return run_id
    commit = tags.get("git.commit", "")[:7]
    name = tags.get("dvc.exp_name") or f"dvc repro {commit}".strip()
    lineage = {k: v for k, v in tags.items() if k != "dvc.stage"}
    run = client.create_run(
        experiment_id, run_name=name, tags=resolve_tags(lineage | {PIPELINE_TAG: pipeline})
    )
    return run.info.run_id


@contextlib.contextmanager
def stage_run(experiment_id: str, stage: str, tags: dict[str, str]) -> Iterator[Any]:
    """The MLflow run of one stage, under its `dvc repro`'s parent run; the parent's end time
    moves to this stage's end, so its duration is the pipeline's."""
    import mlflow

    if closed := close_interrupted(experiment_id, stage):
        log.warning("%s: %d runs an interrupted run left RUNNING marked FAILED", stage, closed)
    parent = _parent_run(experiment_id, tags)
    status = "FAILED"
    try:
        with mlflow.start_run(run_name=stage, tags=tags, parent_run_id=parent) as run:
            yield run
        status = "FINISHED"
    finally:
        if parent is not None:
            mlflow.MlflowClient().set_terminated(parent, status)


def close_interrupted(experiment_id: str, stage: str) -> int:
    """Mark FAILED the runs an interrupted earlier run of `stage` left RUNNING; return how many.

    Only this workspace's or this experiment's (same `dvc.exp_name`): queued experiments
    running beside it keep theirs.
    """
    from mlflow import MlflowClient

    exp_name = os.environ.get("DVC_EXP_NAME")
    mine = f"tags.`dvc.exp_name` = '{exp_name}'" if exp_name else "tags.`dvc.exp_name` IS NULL"
    client = MlflowClient()
    stale = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`dvc.stage` = '{stage}' and attributes.status = 'RUNNING' and {mine}",
        max_results=10_000,
    )
    for run in stale:
        client.set_tag(
            run.info.run_id, "failure_reason", f"interrupted; closed by the next run of {stage}"
        )
        client.set_terminated(run.info.run_id, "FAILED")
    return len(stale)


def log_child(
    experiment_id: str,
    parent_run_id: str,
    name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    failed: bool,
) -> str:
    """One configuration's run under its stage's run, in a single batch write."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient()
    run = client.create_run(
        experiment_id, run_name=name, tags={**tags, "mlflow.parentRunId": parent_run_id}
    )
    now = int(time.time() * 1000)
    client.log_batch(
        run.info.run_id,
        metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()],
        params=[Param(k, str(v)) for k, v in params.items()],
    )
    client.set_terminated(run.info.run_id, status="FAILED" if failed else "FINISHED")
    return run.info.run_id


def _writer_started() -> None:
    # A forked process holds only the thread that forked it. MLflow's telemetry thread stayed
    # behind, and the queue it drains may have been locked at the fork: record nothing here.
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    # Ctrl-C reaches the whole process group: the stage reports it and ends this writer, which
    # would otherwise print its own traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ChildRuns:
    """A stage's configuration runs, written by a second process while the search goes on.

    MLflow's SQL store spends tens of queries of Python on each run, which would hold up the
    search's own process: a writer forked from it does that work on another core. Leaving the
    block waits for every write and raises the first that failed. A tracking server is written
    inline: there a write mostly waits on the network.
    """

    def __init__(self, experiment_id: str, parent_run_id: str) -> None:
        import mlflow
        from mlflow.tracking.context.registry import resolve_tags

        self.experiment_id = experiment_id
        self.parent_run_id = parent_run_id
        # The user, source and commit MLflow sets on a run it starts itself.
        self._context = resolve_tags()
        self._writes: list[Future[str]] = []
        # Forking is safe on Linux; macOS's system libraries are not fork-safe, Windows has
        # no fork: there, and for other stores or pools, the runs are written inline.
        forked = (
            sys.platform == "linux"
            and mlflow.get_tracking_uri().startswith("sqlite:")
            and os.environ.get(POOLCLASS) == "NullPool"
        )
        self._writer = (
            ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("fork"), initializer=_writer_started
            )
            if forked
            else None
        )

    def log(
        self,
        name: str,
        params: dict[str, Any],
        metrics: dict[str, float],
        tags: dict[str, str],
        failed: bool,
    ) -> None:
        tags = self._context | tags
        args = (self.experiment_id, self.parent_run_id, name, params, metrics, tags, failed)
        if self._writer is None:
            log_child(*args)
        else:
            self._writes.append(self._writer.submit(log_child, *args))

    def __enter__(self) -> ChildRuns:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._writer is None:
            return
        try:
            for write in self._writes:
                write.result()
        finally:
            self._writer.shutdown()
