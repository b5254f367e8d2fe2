"""A team's services, real and on 127.0.0.1: `mlflow server` on PostgreSQL with S3 artifacts
(moto's standalone server), S3 as the DVC remote, queued experiments, a Dask cluster."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
import yaml
from conftest import BIN, ONE_FAMILY, PARAMS, SMALL, make_repo, merge, queue_backtests, run

from energy_forecast.serving.server import free_port, local_server
from energy_forecast.tracking.lineage import locked_md5s

# One module, one worker (`make test` distributes by module): the servers and the pipeline run
# against them are built once.
pytestmark = pytest.mark.slow

BUCKET = "energy-forecast"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
NAME = "electricity-consumption-forecast"
DVC = str(BIN / "dvc")
# The team forecasts as it would each morning: its backtest and its bands on the weather
# forecasts `ingest` archives (generated data bring their own), over a month.
WEATHER_FORECASTS = {
    "backtest": {"weather": "forecast", "end": "2017-01-30"},
    # A short calibration: each of its 28 requests reads the archive's forecasts.
    "intervals": {"weather": "forecast", "calibration_days": 120},
    "adapt": {"selection_days": 120},
}


def _serve(command: list[str], url: str, what: str, extra_env: dict[str, str], log: Path):
    """Start `command`, its output to `log`, wait until `url` answers, return the process."""
    from conftest import env

    with open(log, "wb") as output:
        process = subprocess.Popen(
            command, env=env(**extra_env), stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return process
        except requests.ConnectionError:
            time.sleep(0.5)
    process.kill()
    raise AssertionError(f"{what} did not answer {url} within 120 s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A database of its own on the machine's PostgreSQL, dropped afterwards."""
    psycopg2 = pytest.importorskip("psycopg2", reason="psycopg2 (the team extra) is absent")
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    except psycopg2.OperationalError as err:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {str(err).strip().splitlines()[0]}")
    admin.autocommit = True
    database = f"energy_forecast_test_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
    try:
        # As MLflow's documentation writes it: SQLAlchemy 2.1 reads it as psycopg 3.
        yield f"postgresql://postgres@127.0.0.1:5432/{database}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()


def test_the_team_extra_opens_both_spellings_of_a_postgresql_store(postgres: str) -> None:
    """`postgresql://` (psycopg 3, SQLAlchemy's default) and `postgresql+psycopg2://`."""
    import sqlalchemy

    for uri in (postgres, postgres.replace("postgresql://", "postgresql+psycopg2://")):
        engine = sqlalchemy.create_engine(uri)
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("select 1")).scalar() == 1
        assert engine.dialect.driver == ("psycopg" if "+" not in uri else "psycopg2")
        engine.dispose()


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's standalone S3 server on a free port, with the bucket the team shares."""
    import boto3

    endpoint = f"http://127.0.0.1:{free_port()}"
    port = endpoint.rsplit(":", 1)[1]
    server = _serve(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", port],
        endpoint,
        "moto",
        CREDENTIALS,
        tmp_path_factory.mktemp("moto") / "moto.log",
    )
    boto3.client("s3", endpoint_url=endpoint, **_boto_credentials()).create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        _stop(server)


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


@pytest.fixture(scope="module")
def tracking_server(
    postgres: str, s3: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`mlflow server`: runs and registry in PostgreSQL, artifacts proxied to S3."""
    url = f"http://127.0.0.1:{free_port()}"
    server = _serve(
        [
            str(BIN / "mlflow"),
            "server",
            "--backend-store-uri",
            postgres,
            "--artifacts-destination",
            f"s3://{BUCKET}/mlflow",
            "--host",
            "127.0.0.1",
            "--port",
            url.rsplit(":", 1)[1],
            "--workers",
            "1",
        ],
        f"{url}/health",
        "mlflow server",
        # As docs/teams.md starts it: without MLflow's GenAI job runner.
        CREDENTIALS | {"MLFLOW_S3_ENDPOINT_URL": s3, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        tmp_path_factory.mktemp("mlflow-server") / "server.log",
    )
    try:
        yield url
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def team_repo(tmp_path_factory: pytest.TempPathFactory, tracking_server: str, s3: str) -> Path:
    """The pipeline run against the server, committed, its data and models pushed to S3."""
    params = merge(SMALL, WEATHER_FORECASTS) | {"families": ONE_FAMILY}
    repo = make_repo(tmp_path_factory.mktemp("team") / "repo", params)
    client_env = {"MLFLOW_TRACKING_URI": tracking_server}
    run(repo, DVC, "repro", extra_env=client_env)
    run(repo, DVC, "remote", "add", "-d", "storage", f"s3://{BUCKET}/dvc")
    run(repo, DVC, "remote", "modify", "storage", "endpointurl", s3)
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "pipeline run against the team's server")
    return repo


def _client(url: str):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=url, registry_uri=url)


def test_the_pipeline_tracks_to_the_server_with_its_lineage(
    team_repo: Path, tracking_server: str, s3: str
) -> None:
    import boto3

    client = _client(tracking_server)
    experiment = client.get_experiment_by_name(NAME)
    runs = client.search_runs([experiment.experiment_id], "tags.`dvc.stage` = 'train@ridge'")
    assert runs, "no train@ridge run on the server"
    md5s = locked_md5s(team_repo)
    tags = runs[0].data.tags
    assert tags["data.features.md5"] == md5s["data/processed/daily.parquet"]
    assert tags["data.raw.consumption.md5"] == md5s["data/raw/consumption.csv"]
    champion = client.get_model_version_by_alias(NAME, "champion")
    selected = json.loads((team_repo / "reports/metrics.json").read_text())["model"]
    assert champion.tags["model"] == selected
    assert champion.tags["data.features.md5"] == md5s["data/processed/daily.parquet"]
    # The artifacts are in the bucket, not on this disk.
    listed = boto3.client("s3", endpoint_url=s3, **_boto_credentials()).list_objects_v2(
        Bucket=BUCKET, Prefix="mlflow/"
    )
    keys = [item["Key"] for item in listed.get("Contents", [])]
    assert any(key.endswith("estimator.skops") for key in keys)
    assert not (team_repo / "mlruns").exists() and not (team_repo / "mlflow.db").exists()


def test_the_backtest_and_the_bands_are_made_on_weather_forecasts(
    team_repo: Path, tracking_server: str
) -> None:
    """`backtest.weather: forecast` and `intervals.weather: forecast`: the archive `ingest`
    wrote, the backtest's figures and the served model's bands say the weather they used."""
    import mlflow

    served = mlflow.models.Model.load(str(team_repo / "models/model"))
    assert served.metadata["forecast"]["bands"] == {"weather": "forecast"}
    rows = (team_repo / "data/raw/temperature_forecast.csv").read_text().splitlines()[1:]
    # Each day of data.start..data.end forecast on the day and the two days before.
    assert len(rows) == 13 * (3 * len(pd.date_range("2016-01-01", "2017-03-31")) - 3)
    summary = json.loads((team_repo / "reports/backtest.json").read_text())
    assert summary["information"] == {
        "issue_time": "09:00",
        "horizon_days": 1,
        "weather": "forecast",
    }
    metrics = json.loads((team_repo / "reports/backtest_metrics.json").read_text())
    assert metrics["weather"] == "forecast"
    client = _client(tracking_server)
    experiment = client.get_experiment_by_name(NAME)
    runs = client.search_runs([experiment.experiment_id], "tags.`dvc.stage` = 'backtest'")
    (backtest,) = [r for r in runs if "dvc.exp_name" not in r.data.tags]
    assert backtest.data.params["forecast.weather"] == "forecast"


def test_the_champion_predicts_and_serves_from_the_server(
    team_repo: Path, tracking_server: str, tmp_path: Path
) -> None:
    from conftest import env

    client_env = {"MLFLOW_TRACKING_URI": tracking_server}
    uri = f"models:/{NAME}@champion"
    request = team_repo / "request.csv"
    example = json.loads((team_repo / "models/model/input_example.json").read_text())
    columns, rows = example["columns"], example["data"]
    request.write_text(
        ",".join(columns) + "\n" + "\n".join(",".join(map(str, row)) for row in rows) + "\n"
    )
    output = tmp_path / "forecast.csv"
    run(
        team_repo,
        str(BIN / "energy-forecast"),
        "predict",
        "--model",
        uri,
        "--temperature",
        str(request),
        "--output",
        str(output),
        extra_env=client_env,
    )
    batch = output.read_text().splitlines()
    assert batch[0] == "date,consumption_mwh,lower_80,upper_80,lower_95,upper_95"
    with local_server(uri, cwd=team_repo, env=env(**client_env)) as url:
        body = {"dataframe_split": {"columns": columns, "data": rows}}
        answer = requests.post(f"{url}/invocations", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    served = answer.json()["predictions"]
    assert [round(day["consumption_mwh"], 1) for day in served] == [
        float(line.split(",")[1]) for line in batch[1:]
    ]


def test_a_fresh_clone_pulls_from_s3_and_has_nothing_to_reproduce(
    team_repo: Path, tmp_path: Path
) -> None:
    run(team_repo, DVC, "push", extra_env=CREDENTIALS)
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(team_repo), str(clone))
    assert not (clone / "models/model").exists()
    pulled = run(clone, DVC, "pull", extra_env=CREDENTIALS)
    assert "data/processed/daily.parquet" in pulled.stdout
    assert "Data and pipelines are up to date" in run(clone, DVC, "status").stdout
    assert "Running stage" not in run(clone, DVC, "repro").stdout
    for report in ("reports/metrics.json", "reports/backtest.json"):
        assert (clone / report).read_bytes() == (team_repo / report).read_bytes()


def test_queued_experiments_run_two_at_a_time_against_the_server(
    team_repo: Path, tracking_server: str, tmp_path: Path
) -> None:
    client_env = CREDENTIALS | {"MLFLOW_TRACKING_URI": tracking_server}
    # Each re-runs the backtest alone: two experiments writing to the server at once.
    cadences = [15, 20]
    names = queue_backtests(team_repo, cadences, client_env)
    run(team_repo, DVC, "queue", "start", "-j", "2", extra_env=client_env)
    # Each followed as a user would, from the worker's start to its run's end.
    logs = {name: _follow(team_repo, name) for name in names}
    status = _when_settled(team_repo)
    assert status.count("Success") == len(names), status
    client = _client(tracking_server)
    experiment = client.get_experiment_by_name(NAME)
    md5 = locked_md5s(team_repo)["data/processed/daily.parquet"]
    for name, days in zip(names, cadences, strict=True):
        assert "Traceback" not in logs[name] and "locked" not in logs[name]
        runs = client.search_runs(
            [experiment.experiment_id],
            f"tags.`dvc.exp_name` = '{name}' and tags.`dvc.stage` = 'backtest'",
        )
        assert len(runs) == 1, name
        assert runs[0].data.params["backtest.refit_days"] == str(days)
        assert runs[0].data.tags["data.features.md5"] == md5
    # The experiments' results came home: each is a row of `dvc exp show`.
    shown = run(team_repo, DVC, "exp", "show", "--json").stdout
    assert all(name in shown for name in names)
    # And travel: pushed with their data, pulled into a clone of the git remote.
    remote = tmp_path / "origin.git"
    run(tmp_path, "git", "init", "-q", "--bare", str(remote))
    run(team_repo, "git", "remote", "add", "origin", str(remote))
    run(team_repo, "git", "push", "-q", "origin", "HEAD:main")
    pushed, cadence = names[0], cadences[0]
    run(team_repo, DVC, "exp", "push", "origin", pushed, extra_env=CREDENTIALS)
    clone = tmp_path / "teammate"
    run(tmp_path, "git", "clone", "-q", "-b", "main", str(remote), str(clone))
    run(clone, DVC, "exp", "pull", "origin", pushed, extra_env=CREDENTIALS)
    run(clone, DVC, "exp", "apply", pushed)
    assert yaml.safe_load((clone / "params.yaml").read_text())["backtest"]["refit_days"] == cadence
    origins = {
        line.split(",")[-1] for line in (clone / "reports/backtest.csv").read_text().split()[1:]
    }
    assert len(origins) == 2  # 30 days, an origin every 15
    assert (clone / "models/model/MLmodel").exists()


def _follow(repo: Path, name: str) -> str:
    """`dvc queue logs -f NAME`, once a queue worker has taken the experiment: its log, whole
    when its run has ended."""
    deadline = time.monotonic() + 120
    while True:
        done = run(repo, DVC, "queue", "logs", "-f", name, check=False)
        if done.returncode == 0 or time.monotonic() > deadline:
            break
        assert "has not been started" in done.stderr, done.stderr
        time.sleep(1)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _when_settled(repo: Path) -> str:
    """`dvc queue status` once no experiment is queued or running: the workers still collect an
    experiment's results after its run has ended."""
    deadline = time.monotonic() + 120
    while True:
        status = run(repo, DVC, "queue", "status").stdout
        if ("Queued" not in status and "Running" not in status) or time.monotonic() > deadline:
            return status
        time.sleep(1)


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A real Dask cluster: a scheduler and two worker processes on 127.0.0.1."""
    distributed = pytest.importorskip("distributed", reason="dask (the team extra) is absent")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def test_a_search_and_a_backtest_on_dask_give_the_local_results(
    dask_scheduler: str, synthetic_daily
) -> None:
    from energy_forecast import backtesting
    from energy_forecast.modeling.training import configurations, search
    from energy_forecast.runtime.settings import ComputeSettings, parse

    local = parse(
        PARAMS | {"backtest": {"start": "2017-01-01", "end": "2017-03-31", "train_days": 730}}
    )
    on_dask = local.model_copy(
        update={"compute": ComputeSettings(backend="dask", scheduler=dask_scheduler)}
    )
    dates = pd.to_datetime(synthetic_daily["date"])
    train = synthetic_daily[dates < "2017-01-01"].reset_index(drop=True)
    configs = configurations(local, "gbm")[:6]
    reported: list[str] = []
    here = search(configs, train, local)
    there = search(configs, train, on_dask, lambda r: reported.append(r.configuration.name))
    assert reported == [c.name for c in configs]
    for a, b in zip(here, there, strict=True):
        timings = ("fit_seconds", "predict_seconds")
        assert {k: v for k, v in a.metrics.items() if k not in timings} == {
            k: v for k, v in b.metrics.items() if k not in timings
        }
    selected = configs[0]
    article = backtesting.article_configuration(local)
    pd.testing.assert_frame_equal(
        backtesting.rolling_forecasts(synthetic_daily, local, selected, article, 1),
        backtesting.rolling_forecasts(synthetic_daily, on_dask, selected, article),
        check_exact=True,
    )


def test_an_absent_scheduler_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from energy_forecast.core.errors import InputError
    from energy_forecast.modeling import compute
    from energy_forecast.runtime.settings import ComputeSettings

    # Nothing listens on the port: the client's wait is all the test would spend.
    monkeypatch.setattr(compute, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    settings = ComputeSettings(backend="dask", scheduler=address)
    with (
        pytest.raises(
            InputError, match=f"compute.scheduler: no Dask scheduler answers at {address}"
        ),
        compute.tasks(settings),
    ):
        pass
