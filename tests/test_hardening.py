"""Implausible data, bad paths and private files: refused or fixed, by name."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import settings_with_sections
from exportfiles import HEADER, TEMPERATURE_HEADER, consumption_rows, temperature_rows, write

from energy_forecast.core.errors import InputError
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.modeling.training import split
from energy_forecast.runtime.atomic import atomic_dir, atomic_path
from energy_forecast.runtime.settings import QualityRules
from energy_forecast.serving.batch import read_consumption_history, read_inputs


def refused(call, *args) -> str:
    with pytest.raises(InputError) as caught:
        call(*args)
    return str(caught.value)


def test_impossible_half_hours_are_refused_with_file_line_value_and_bound(tmp_path: Path) -> None:
    rows = consumption_rows("2021-01-05", [60000] * 48)
    huge = [*rows[:10], rows[10].replace(";60000;", ";1000000000;"), *rows[11:]]
    message = refused(read_consumption, write(tmp_path / "huge.csv", HEADER, huge))
    assert "huge.csv, line 39" in message and "'1000000000'" in message
    assert "data.quality.halfhour_mw_bounds [15000, 130000]" in message
    negative = [r.replace(";60000;", ";-60000;") for r in rows]
    assert "'-60000'" in refused(read_consumption, write(tmp_path / "neg.csv", HEADER, negative))


def test_a_thousands_separator_is_refused_not_read_as_decimals(tmp_path: Path) -> None:
    rows = consumption_rows("2021-01-05", [60000] * 48)
    rows[3] = rows[3].replace(";60000;", ";63,803;")
    message = refused(read_consumption, write(tmp_path / "c.csv", HEADER, rows))
    assert "line 46" in message and "'63,803'" in message and "whole number of MW" in message


def test_a_day_outside_its_bounds_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", HEADER, consumption_rows("2021-01-05", [20000] * 48))
    rules = QualityRules(daily_mwh_bounds=(500_000.0, 3_000_000.0))
    with pytest.raises(InputError, match=r"2021-01-05: 480,000 MWh is outside"):
        read_consumption(path, rules)


def test_an_impossible_regional_temperature_names_file_line_region_and_date(
    tmp_path: Path,
) -> None:
    rows = temperature_rows(["2017-01-01", "2017-01-02"])
    rows[15] = rows[15].replace(";5.0", ";500.0")
    message = refused(read_temperature, write(tmp_path / "t.csv", TEMPERATURE_HEADER, rows))
    assert "t.csv, line" in message and "column 'TMoy (°C)'" in message
    assert "line 12" in message and "500 °C for region 27 on 2017-01-02" in message


def test_a_test_period_past_the_data_is_refused_not_cut() -> None:
    daily = pd.DataFrame({"date": pd.date_range("2016-01-01", "2017-03-31")})
    settings = settings_with_sections(split={"test_start": "2017-01-01", "test_end": "2017-06-30"})
    with pytest.raises(InputError, match=r"split.test_end 2017-06-30 is after the last day"):
        split(daily, settings)


@pytest.mark.parametrize(
    ("issue_time", "last_training_day"), [("09:00", "2016-12-30"), (None, "2016-12-31")]
)
def test_training_ends_with_the_last_day_whole_when_the_first_test_day_is_issued(
    issue_time: str | None, last_training_day: str
) -> None:
    """At 09:00 on 31 December 2016 the forecast of 1 January 2017 knows 30 December whole; at
    the end of the 31st, the 31st too."""
    daily = pd.DataFrame({"date": pd.date_range("2016-01-01", "2017-03-30")})
    settings = settings_with_sections(
        split={"test_start": "2017-01-01", "test_end": "latest"},
        forecast={"issue_time": issue_time},
    )
    train, test = split(daily, settings)
    assert (train["date"].max(), test["date"].min(), test["date"].max()) == (
        pd.Timestamp(last_training_day),
        pd.Timestamp("2017-01-01"),
        pd.Timestamp("2017-03-30"),
    )


def test_bad_predict_paths_are_named(tmp_path: Path) -> None:
    columns = ["date", "wavg_mean_temperature"]
    assert "is a directory" in refused(read_inputs, tmp_path, columns, 2019)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty.csv, line 1: the file is empty" in refused(read_inputs, empty, columns, 2019)
    header = tmp_path / "header.csv"
    header.write_text("date,wavg_mean_temperature\n")
    assert "header.csv, line 2: no data rows" in refused(read_inputs, header, columns, 2019)
    assert "is a directory" in refused(read_consumption_history, tmp_path, QualityRules())
    tenfold = tmp_path / "history.csv"
    tenfold.write_text("date,consumption_mwh\n2019-01-01,1500000\n2019-01-02,15000000\n")
    message = refused(read_consumption_history, tenfold, QualityRules())
    assert "history.csv, column 'consumption_mwh': line 3: 15,000,000 MWh is outside" in message
    assert "15,000,000 MWh is outside data.quality.daily_mwh_bounds" in message


def test_a_misspelt_column_in_a_predict_file_is_refused_not_dropped(tmp_path: Path) -> None:
    columns = ["date", "wavg_mean_temperature"]
    national = tmp_path / "national.csv"
    national.write_text("date,wavg_mean_temperature,consumption_MWH\n2019-01-01,3.5,1500000\n")
    message = refused(read_inputs, national, columns, 2019)
    assert message == (
        f"{national}, line 1: column 'consumption_MWH' is not read; expected 'consumption_mwh'"
    )
    history = tmp_path / "history.csv"
    history.write_text("date,consumption_mwh,Consumption_To_Issue_MWh\n2019-01-01,1500000,1\n")
    message = refused(read_consumption_history, history, QualityRules())
    assert "column 'Consumption_To_Issue_MWh' is not read" in message


def test_a_folder_that_cannot_be_written_is_named() -> None:
    from energy_forecast.runtime.atomic import write_text

    # sysfs takes no new file, even from root: a folder no one can write into.
    with pytest.raises(InputError) as caught:
        write_text("/sys/forecast.csv", "date\n")
    assert str(caught.value) == (
        "/sys: cannot write forecast.csv in this folder (Permission denied); "
        "expected a writable one"
    )


def test_outputs_respect_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "report.json") as tmp:
            tmp.write_text("{}")
        with atomic_dir(tmp_path / "model") as folder:
            (folder / "MLmodel").write_text("")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == 0o755


def test_a_damaged_store_is_one_line_naming_it(tmp_path: Path, monkeypatch) -> None:
    from energy_forecast.tracking import store

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))
    (tmp_path / "mlflow.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 40)
    with pytest.raises(InputError) as caught:
        store.configure(tmp_path, "experiment")
    message = str(caught.value)
    assert f"the MLflow store sqlite:///{tmp_path / 'mlflow.db'} cannot be used" in message
    # Moving it aside would start an empty store: the runs and the registry would be lost.
    assert "restore it from a copy" in message and "aside" not in message
    assert "\n" not in message


@pytest.mark.slow
def test_a_locked_store_says_so_and_does_not_advise_moving_it(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    from energy_forecast.tracking import store

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))
    store.configure(tmp_path, "experiment")
    holder = sqlite3.connect(tmp_path / "mlflow.db", isolation_level=None)
    try:
        holder.execute("begin exclusive")
        with pytest.raises(InputError) as caught:
            store.configure(tmp_path, "experiment")
    finally:
        holder.close()
    message = str(caught.value)
    assert "is locked by another process" in message and "run again once" in message
    assert "aside" not in message and "\n" not in message


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """`path` made read-only for this user: its mode, or for root (whom modes do not bind) the
    file system's immutable attribute."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a file read-only")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"running as root on a file system without chattr +i: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_store_that_cannot_be_written_is_one_line_before_anything_is_logged(
    tmp_path: Path, monkeypatch, capfd
) -> None:
    from energy_forecast.tracking import store

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))
    store.configure(tmp_path, "experiment")
    capfd.readouterr()
    with unwritable(tmp_path / "mlflow.db"), pytest.raises(InputError) as caught:
        store.configure(tmp_path, "experiment")
    message = str(caught.value)
    assert message.startswith(
        f"the MLflow store sqlite:///{tmp_path / 'mlflow.db'} opens but cannot be written "
        "(attempt to write a readonly database)"
    )
    assert "damaged file" not in message and "\n" not in message
    assert capfd.readouterr().err == ""


def test_an_interruption_without_a_reason_says_ctrl_c(capsys) -> None:

    from energy_forecast.runtime.runner import run

    def work() -> None:
        raise KeyboardInterrupt

    with signals_restored():
        assert run(work) == 130
    assert capsys.readouterr().err == (
        "error: interrupted (Ctrl-C); its open MLflow runs end FAILED\n"
    )


@contextlib.contextmanager
def signals_restored() -> Iterator[None]:
    """The test process's SIGINT and SIGTERM handlers back after the runner set its own."""
    import signal

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def test_ctrl_c_inside_the_csv_parser_is_an_interruption_not_a_malformed_file(capsys) -> None:
    import io
    import signal

    from energy_forecast.runtime.runner import run

    class Interrupted(io.StringIO):
        """A source whose read is interrupted by Ctrl-C, as a user's is mid-parse."""

        def read(self, size: int = -1) -> str:
            os.kill(os.getpid(), signal.SIGINT)
            return super().read(size)

    def work() -> None:
        # What the export readers do: pandas turns the interruption into a ParserError.
        try:
            pd.read_csv(Interrupted("a;b\n1;2\n"), sep=";")
        except pd.errors.ParserError as err:
            raise InputError(f"malformed row: {err}", source="consumption.csv") from None

    with signals_restored():
        assert run(work) == 130
    err = capsys.readouterr().err
    assert err == "error: interrupted (Ctrl-C); its open MLflow runs end FAILED\n"


def test_the_run_writer_leaves_ctrl_c_to_the_stage() -> None:
    import multiprocessing
    import signal

    from energy_forecast.tracking.store import _writer_started

    def report(queue) -> None:
        _writer_started()
        queue.put(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)

    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=report, args=(queue,))
    process.start()
    assert queue.get(timeout=30) is True
    process.join(30)


def test_a_tracking_server_that_does_not_answer_is_named_with_the_time_tried(
    tmp_path: Path, monkeypatch
) -> None:
    from energy_forecast.serving.server import free_port
    from energy_forecast.tracking import store

    uri = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    # One attempt, no backoff: MLflow's own retry settings, read as a user would set them.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    with pytest.raises(InputError) as caught:
        store.configure(tmp_path, "experiment")
    message = str(caught.value)
    assert message.startswith(f"no MLflow server answers at {uri} (MLFLOW_TRACKING_URI); tried for")
    assert "damaged file" not in message and "\n" not in message


def test_select_checks_the_store_before_writing(tmp_path: Path, monkeypatch) -> None:
    import yaml
    from conftest import ROOT

    from energy_forecast.runtime.settings import parse
    from energy_forecast.stages import select

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))
    (tmp_path / "mlflow.db").write_bytes(b"not a database")
    settings = parse(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8")))
    with pytest.raises(InputError, match="cannot be used"):
        select.run(settings, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlflow.db"]


def test_runs_an_interrupted_stage_left_running_are_closed_as_failed(
    tmp_path: Path, monkeypatch
) -> None:
    import mlflow

    from energy_forecast.tracking import store

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))
    experiment = store.configure(tmp_path, "experiment")
    client = mlflow.MlflowClient()
    killed = client.create_run(experiment, tags={"dvc.stage": "train@knn"}).info.run_id
    other_stage = client.create_run(experiment, tags={"dvc.stage": "train@mlp"}).info.run_id
    queued = client.create_run(
        experiment, tags={"dvc.stage": "train@knn", "dvc.exp_name": "busy-exp"}
    ).info.run_id
    assert store.close_interrupted(experiment, "train@knn") == 1
    closed = client.get_run(killed)
    assert closed.info.status == "FAILED"
    assert closed.data.tags["failure_reason"] == "interrupted; closed by the next run of train@knn"
    assert client.get_run(other_stage).info.status == "RUNNING"
    assert client.get_run(queued).info.status == "RUNNING"


@pytest.mark.slow
def test_a_failing_configuration_lets_the_stage_go_on_and_a_failed_stage_restores(
    featurized: Path,
) -> None:
    """A configuration that cannot be fitted is logged as a failed run and the search goes on;
    a stage that fails as a whole leaves every output restorable."""
    import json

    import yaml
    from conftest import BIN, all_runs, run

    params = yaml.safe_load((featurized / "params.yaml").read_text())
    params["families"]["knn"]["grid"]["n_neighbors"] = [5, 100000]
    (featurized / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(featurized, str(BIN / "dvc"), "repro", "train@knn")
    failed = [r for r in all_runs(featurized) if r.info.status == "FAILED"]
    assert len(failed) == 1 and "n_neighbors" in failed[0].data.tags["error"]
    report = (featurized / "reports/train/knn.json").read_bytes()
    assert json.loads(report)["n_failed"] == 1

    (featurized / "mlflow.db").write_bytes(b"not a database")
    failed = run(featurized, str(BIN / "dvc"), "repro", "-f", "-s", "train@knn", check=False)
    assert failed.returncode != 0 and "cannot be used" in failed.stderr
    # The git-tracked report persists as dvc.lock records it; the cached model comes back.
    assert (featurized / "reports/train/knn.json").read_bytes() == report
    assert not (featurized / "models/families/knn").exists()
    run(featurized, str(BIN / "dvc"), "checkout", "train@knn")
    assert (featurized / "models/families/knn/MLmodel").exists()
    assert "up to date" in run(featurized, str(BIN / "dvc"), "status", "train@knn").stdout


@pytest.mark.slow
def test_sigterm_ends_the_stage_runs_failed_at_once(featurized: Path) -> None:
    import signal
    import sqlite3
    import subprocess
    import time
    from contextlib import closing

    import mlflow
    import yaml
    from conftest import BIN, env

    params = yaml.safe_load((featurized / "params.yaml").read_text())
    # Enough configurations that the stage is still searching when the signal comes.
    params["families"]["mlp"]["grid"] |= {"hidden_layer_sizes": [4, 8, 16, 32], "max_iter": [2000]}
    params["families"]["mlp"]["feature_sets"] = ["all", "calendar", "weather"]
    (featurized / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    stage = subprocess.Popen(
        [str(BIN / "energy-forecast"), "train", "mlp"],
        cwd=featurized,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Read the store read-only while the stage runs: an MLflow client here would race the
    # stage's own creation of the schema.
    store = f"file:{featurized / 'mlflow.db'}?mode=ro"
    deadline = time.monotonic() + 60
    children = 0
    while not children and time.monotonic() < deadline and stage.poll() is None:
        time.sleep(0.2)
        try:
            with closing(sqlite3.connect(store, uri=True)) as db:
                query = "SELECT count(*) FROM tags WHERE key = 'mlflow.parentRunId'"
                children = db.execute(query).fetchone()[0]
        except sqlite3.OperationalError:  # not created yet, or its schema half-made
            continue
    assert stage.poll() is None, stage.communicate()[1]
    assert children, "the stage logged no configuration before the deadline"
    stage.send_signal(signal.SIGTERM)
    _, stderr = stage.communicate(timeout=30)
    assert stage.returncode == 130
    message = "error: interrupted (signal 15); its open MLflow runs end FAILED"
    assert stderr.strip().endswith(message)
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{featurized / 'mlflow.db'}")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    parent = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert [r.info.status for r in parent] == ["FAILED"]
    assert not [r for r in runs if r.info.status == "RUNNING"]


def test_a_damaged_daily_table_is_one_line_naming_it(repo: Path) -> None:
    from conftest import cli

    (repo / "data/processed").mkdir(parents=True, exist_ok=True)
    (repo / "data/processed/daily.parquet").write_bytes(b"PAR1 not a table")
    done = cli(repo, "train", "knn", check=False)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "error: data/processed/daily.parquet: cannot be read as the daily table (ArrowInvalid"
    )
    assert line.endswith(
        "make it again with `dvc repro featurize`, or restore it with `dvc checkout`"
    )
    assert not (repo / "mlflow.db").exists()
