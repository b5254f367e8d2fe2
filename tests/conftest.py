"""Fixtures: real files, and real git + DVC repositories with their own MLflow store."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import io
import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from energy_forecast.modeling.training import Configuration, feature_set
from energy_forecast.runtime.settings import Settings, parse

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SHARED = ROOT.parent / "shared" / "data" / "odre"
REAL_CONSUMPTION = SHARED / "consommation-quotidienne-brute_2012-2018.csv"
REAL_TEMPERATURE_ISO = SHARED / "temperature-quotidienne-regionale_2016-2018_iso.csv"
REAL_TEMPERATURE_DDMMYY = SHARED / "temperature-quotidienne-regionale_2016-2018_ddmmyy.csv"
REAL_CONSUMPTION_2021 = SHARED / "consommation-quotidienne-brute_2012-2021.csv"
REAL_TEMPERATURE_2021 = SHARED / "temperature-quotidienne-regionale_2016-2021_ddmmyy.csv"
# The README's annual totals of the consumption exports, TWh (sum of half-hours x 0.5).
PUBLISHED_TWH = {
    2012: 486.61,
    2013: 492.19,
    2014: 462.35,
    2015: 473.15,
    2016: 480.32,
    2017: 479.04,
    2018: 475.52,
    2019: 470.48,
    2020: 445.62,
    2021: 467.20,
}

# gbm and the blend take the same settings: one configuration of them.
BOOSTING = {
    "baseline": ["ridge"],
    "learning_rate": [0.1],
    "max_iter": [50],
    "max_leaf_nodes": [15],
    "random_state": [0],
}
# A short range and one configuration per family: the whole pipeline in well under a minute.
SMALL = {
    "data": {"start": "2016-01-01", "end": "2017-03-31"},
    # Calibrating the bands on days asked as issued costs 28 requests a fit: the tests'
    # pipelines calibrate on observed weather; tests/test_weather_calibration.py covers the
    # others, and the clean clone's `make run` in CI the default.
    "intervals": {"weather": "observed"},
    "split": {"test_start": "2017-01-01", "test_end": "2017-03-31"},
    "cv": {"folds": 2, "min_train_days": 180},
    # The first origin trains on the pipeline's training period, as the selected family does.
    "backtest": {"start": "2017-01-01", "end": "2017-03-31", "refit_days": 30, "train_days": None},
    # The aggregate of experts fits each expert again: the trained repository has one
    # (`TRAINED`), the other pipelines none.
    "aggregate": {"experts": []},
    "families": {
        "knn": {"feature_sets": ["all"], "grid": {"n_neighbors": [5], "weights": ["distance"]}},
        "mlp": {
            "feature_sets": ["mean_wavg"],
            "grid": {
                "hidden_layer_sizes": [4],
                "activation": ["identity"],
                "solver": ["lbfgs"],
                "max_iter": [100],
                "random_state": [0],
            },
        },
        "ptg": {"feature_sets": ["mean_avg", "mean_wavg"]},
        "ridge": {"feature_sets": ["load"], "grid": {"alpha": [1.0], "log_target": [True]}},
        "gbm": {"feature_sets": ["load"], "grid": BOOSTING},
        "blend": {"feature_sets": ["load"], "grid": BOOSTING},
    },
}


# The shared trained repository: SMALL with the aggregate of its two quickest families.
TRAINED = SMALL | {"aggregate": {"experts": ["ridge", "ptg"], "rules": ["mlpoly", "boa"]}}
# What its `select` chooses among.
TRAINED_CANDIDATES = [*SMALL["families"], "aggregate"]

# One family, the quickest: for the tests that run every stage on other data or servers.
ONE_FAMILY = {"ridge": SMALL["families"]["ridge"]}


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = merge(base[key], value) if isinstance(value, dict) and key in base else value
    return out


def env(**extra: str) -> dict[str, str]:
    """This environment without the caller's MLflow and DVC settings, plus `extra`."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
    return (
        variables
        | extra
        | {
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DVC_NO_ANALYTICS": "1",
            # Each test worker has a core already: a backtest stage's windows run in its own
            # process, not in new ones that would import the package again. The windows give
            # the same digits on any number of processes (tests/test_training.py).
            "LOKY_MAX_CPU_COUNT": "1",
            "GIT_AUTHOR_NAME": "test",
            "GIT_AUTHOR_EMAIL": "test@example.invalid",
            "GIT_COMMITTER_NAME": "test",
            "GIT_COMMITTER_EMAIL": "test@example.invalid",
        }
    )


def run(
    repo: Path, *args: str, check: bool = True, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(args), cwd=repo, env=env(**(extra_env or {})), capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-4000:]}"
        )
    return done


def cli(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`energy-forecast ARGS` run in `repo` by this process: the command's own code, exit code
    and output, without a new interpreter importing MLflow for each call. It runs with the
    environment of `env()`, as `run` would; every command sets MLflow's tracking URI (from
    `MLFLOW_TRACKING_URI` or the project's store) before it logs or loads, and the URI this
    process had is set back afterwards."""
    import mlflow

    from energy_forecast import cli as command

    environ = dict(os.environ)
    tracking_uri = mlflow.get_tracking_uri()
    on_sigterm = signal.getsignal(signal.SIGTERM)
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(env())
        with (
            contextlib.chdir(repo),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            code = command.main(list(args))
    finally:
        mlflow.set_tracking_uri(tracking_uri)
        os.environ.clear()
        os.environ.update(environ)
        signal.signal(signal.SIGTERM, on_sigterm)
    done = subprocess.CompletedProcess(
        ["energy-forecast", *args], code, stdout.getvalue(), stderr.getvalue()
    )
    if check and code != 0:
        raise AssertionError(f"energy-forecast {' '.join(args)} failed ({code}):\n{done.stderr}")
    return done


def queue_backtests(
    repo: Path, cadences: list[int], extra_env: dict[str, str] | None = None
) -> list[str]:
    """Queue an experiment per refit cadence, `every-DAYS`, each re-running the backtest alone;
    their names."""
    names = [f"every-{days}" for days in cadences]
    for name, days in zip(names, cadences, strict=True):
        change = f"backtest.refit_days={days}"
        run(
            repo,
            str(BIN / "dvc"),
            "exp",
            "run",
            "--queue",
            "-S",
            change,
            "-n",
            name,
            extra_env=extra_env,
        )
    return names


def client(repo: Path):
    """An MLflow client on `repo`'s own store."""
    import mlflow

    return mlflow.MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")


def all_runs(repo: Path) -> list:
    """Every run of the project's experiment in `repo`'s store."""
    c = client(repo)
    experiment = c.get_experiment_by_name(PARAMS["mlflow"]["experiment"])
    return c.search_runs([experiment.experiment_id], max_results=5000)


@functools.cache
def _initialised() -> Path:
    """An empty repository after `git init` and `dvc init`, made once per test process:
    `make_repo` copies it rather than start DVC again for each repository."""
    path = Path(tempfile.mkdtemp(prefix="energy-forecast-init-")) / "repo"
    atexit.register(shutil.rmtree, path.parent, True)
    path.mkdir()
    run(path, "git", "init", "-q")
    run(path, "git", "config", "user.name", "test")
    run(path, "git", "config", "user.email", "test@example.invalid")
    run(path, str(BIN / "dvc"), "init", "-q")
    return path


def make_repo(path: Path, override: dict[str, Any]) -> Path:
    """A fresh git + DVC repository holding this project's pipeline and `override`n params."""
    shutil.copytree(_initialised(), path, dirs_exist_ok=True)
    for name in ("dvc.yaml", ".gitignore", "pyproject.toml"):
        shutil.copy(ROOT / name, path / name)
    shutil.copytree(ROOT / "src", path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (path / "data" / "external").mkdir(parents=True)
    shutil.copy(ROOT / "data/external/README.md", path / "data/external/README.md")
    params = merge(yaml.safe_load((ROOT / "params.yaml").read_text()), override)
    if "families" in override:
        params["families"] = override["families"]
    (path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    shutil.copytree(ROOT / ".dvc" / "plots", path / ".dvc" / "plots")
    run(path, "git", "add", "-A")
    run(path, "git", "commit", "-qm", "pipeline")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", SMALL)


@pytest.fixture(scope="module")
def first_featurize(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A fresh repository after its first `dvc repro featurize`, and what that printed: made
    once for the module's tests that start from featurized data."""
    path = make_repo(tmp_path_factory.mktemp("featurized") / "repo", SMALL)
    return path, run(path, str(BIN / "dvc"), "repro", "featurize").stdout


@pytest.fixture
def featurized(first_featurize: tuple[Path, str], tmp_path: Path) -> Path:
    """A copy of that repository of the test's own: git, DVC's cache and the daily table."""
    return shutil.copytree(first_featurize[0], tmp_path / "repo", symlinks=True)


def _build_trained(shared: Path) -> Path:
    """Build the trained repository in `shared` unless it is there; one builder at a time."""
    path = shared / "trained" / "repo"
    with open(shared / "trained.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path.parent / "repro.log").exists():
            shutil.rmtree(path.parent, ignore_errors=True)
            make_repo(path, TRAINED)
            done = run(path, str(BIN / "dvc"), "repro")
            (path.parent / "repro.log").write_text(done.stdout + done.stderr)
    return path


# Under xdist, the folder the controller builds the trained repository in, handed to each
# worker through xdist's `workerinput`; removed when the session ends.
SHARED_KEY = "energy_forecast_shared"
SHARED_STASH = pytest.StashKey[Path]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist, the controller, which only hands out tests, builds the trained repository
    while the workers run the modules that do not need it."""
    config = session.config
    distributed = not hasattr(config, "workerinput") and config.getoption("numprocesses", None)
    if distributed:
        shared = Path(tempfile.mkdtemp(prefix="energy-forecast-tests-"))
        config.stash[SHARED_STASH] = shared
        if "not slow" not in (config.getoption("markexpr") or ""):
            threading.Thread(target=_build_trained, args=(shared,), daemon=True).start()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist's hook: each worker learns the controller's shared folder."""
    node.workerinput[SHARED_KEY] = str(node.config.stash[SHARED_STASH])


def pytest_sessionfinish(session: pytest.Session) -> None:
    shared = session.config.stash.get(SHARED_STASH, None)
    if shared is not None:
        shutil.rmtree(shared, ignore_errors=True)


# The modules that run whole pipelines or start servers, the longest first. `make test` hands
# whole modules to its workers in this order (`--no-loadscope-reorder`), the others after them
# in file order: the short modules then fill the workers' last minutes, where one long module
# would end the run on one worker while the others wait. A module that needs the trained
# repository before it is built waits for it while the other workers and the build share the
# cores.
LONGEST_FIRST = (
    "test_team",
    "test_experiments",
    "test_rte_series",
    "test_hardening",
    "test_real_exports",
    "test_serving",
    "test_odre",
    "test_forecast_inputs",
    "test_fresh_repo",
    "test_training",
    "test_tracking",
    "test_scoring",
    "test_weather_calibration",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__, len(rank)))


@pytest.fixture(scope="session")
def trained_repo(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """One small pipeline run, made once for all test workers and read by the tests that only
    read; a test that changes a repository takes `trained_copy`."""
    workerinput = getattr(request.config, "workerinput", {})
    if SHARED_KEY in workerinput:
        return _build_trained(Path(workerinput[SHARED_KEY]))
    return _build_trained(tmp_path_factory.mktemp("shared"))


@pytest.fixture
def trained_copy(trained_repo: Path, tmp_path: Path) -> Path:
    """A copy of the trained repository of the test's own, its MLflow store pointed at it."""
    shutil.copy(trained_repo.parent / "repro.log", tmp_path / "repro.log")
    return copy_repo(trained_repo, tmp_path / "repo")


def copy_repo(trained_repo: Path, path: Path) -> Path:
    """A copy of `trained_repo` at `path`, its MLflow store pointed at it."""
    shutil.copytree(trained_repo, path, symlinks=True)
    # The store records its artifacts' absolute location: every path of the copy is its own.
    with sqlite3.connect(path / "mlflow.db") as store:
        for (table,) in store.execute("select name from sqlite_master where type = 'table'"):
            for column in store.execute(f"pragma table_info({table})").fetchall():
                if column[2].upper().startswith(("VARCHAR", "TEXT")):
                    store.execute(
                        f"update {table} set {column[1]} = replace({column[1]}, ?, ?)",
                        (str(trained_repo), str(path)),
                    )
    return path


@pytest.fixture
def real_files() -> tuple[Path, Path, Path]:
    if not REAL_CONSUMPTION.exists():
        pytest.skip("the real RTE exports in ../shared/data/odre are absent")
    return REAL_CONSUMPTION, REAL_TEMPERATURE_ISO, REAL_TEMPERATURE_DDMMYY


@pytest.fixture
def real_files_2021() -> tuple[Path, Path]:
    """The exports through 2021: the 2020 duplicate, `Consolidé` rows, a month-end gap."""
    if not REAL_CONSUMPTION_2021.exists():
        pytest.skip("the real RTE exports in ../shared/data/odre are absent")
    return REAL_CONSUMPTION_2021, REAL_TEMPERATURE_2021


@pytest.fixture(scope="session")
def synthetic_exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Seven years of generated exports, consumption and temperature: 2012-2018."""
    from energy_forecast.synthetic.generator import generate

    folder = tmp_path_factory.mktemp("synthetic")
    generate(folder / "c.csv", folder / "t.csv", *SYNTHETIC_YEARS, seed=3)
    return folder / "c.csv", folder / "t.csv"


SYNTHETIC_YEARS = (pd.Timestamp("2012-01-01"), pd.Timestamp("2018-12-31"))


def synthetic_table(consumption: Path, temperature: Path) -> pd.DataFrame:
    """The daily table of generated exports, through the featurize code, as the default params
    make it."""
    from energy_forecast.data.daily import daily_table

    issue_time = PARAMS["forecast"]["issue_time"]
    return daily_table(consumption, temperature, *SYNTHETIC_YEARS, 2019, issue_time=issue_time)[0]


@pytest.fixture(scope="session")
def synthetic_daily(synthetic_exports: tuple[Path, Path]) -> pd.DataFrame:
    return synthetic_table(*synthetic_exports)


# The default params, and the day-ahead ridge the adaptation and interval tests fit.
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def settings_with(**adapt) -> Settings:
    return parse(PARAMS | {"adapt": PARAMS["adapt"] | adapt})


def settings_with_sections(**sections: dict) -> Settings:
    """params.yaml's settings with each named section updated by its mapping."""
    return parse(PARAMS | {k: PARAMS.get(k, {}) | v for k, v in sections.items()})


def ridge(settings: Settings) -> Configuration:
    features = feature_set(settings, "load", "test")
    return Configuration("ridge", "load", features, {"alpha": 1.0, "log_target": True})


class OpenMeteo:
    """Open-Meteo's Forecast and Previous Runs APIs as they answer a multi-point request with
    `timeformat=unixtime`: a JSON list, one object per point, of hourly values at UTC hours.
    Each value is a smooth function of latitude and hour plus `lead` °C for the forecast made
    `lead` days before (0 for `temperature_2m`), so a test can tell which lead it read."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.reason: str | None = None  # answer HTTP 400 with this reason
        self.null_at: pd.Timestamp | None = None  # an hour the model does not cover

    @staticmethod
    def value(latitude: float, instant: pd.Timestamp, lead: int) -> float:
        hour = instant.hour + instant.minute / 60
        return round(
            12 + (47 - latitude) * 0.8 + 4 * math.sin((hour - 9) / 24 * 2 * math.pi) + lead, 1
        )

    def hours(self, query: dict[str, list[str]]) -> pd.DatetimeIndex:
        if "start_date" in query:
            first = pd.Timestamp(query["start_date"][0], tz="UTC")
            last = pd.Timestamp(query["end_date"][0], tz="UTC") + pd.Timedelta(hours=23)
        else:
            today = pd.Timestamp.now(tz="UTC").normalize()
            first = today - pd.Timedelta(days=int(query.get("past_days", ["0"])[0]))
            last = today + pd.Timedelta(days=int(query.get("forecast_days", ["7"])[0]), hours=-1)
        return pd.date_range(first, last, freq="h")

    def answer(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        self.requests.append(query)
        if self.reason is not None:
            return 400, {"error": True, "reason": self.reason}
        latitudes = [float(v) for v in query["latitude"][0].split(",")]
        longitudes = [float(v) for v in query["longitude"][0].split(",")]
        variables = query["hourly"][0].split(",")
        hours = self.hours(query)
        locations = []
        for latitude, longitude in zip(latitudes, longitudes, strict=True):
            hourly: dict[str, list] = {"time": [int(t.timestamp()) for t in hours]}
            for variable in variables:
                lead = int(variable.rsplit("day", 1)[1]) if "previous_day" in variable else 0
                hourly[variable] = [
                    None if t == self.null_at else self.value(latitude, t, lead) for t in hours
                ]
            locations.append(
                {
                    "latitude": latitude,
                    "longitude": longitude,
                    "generationtime_ms": 0.5,
                    "utc_offset_seconds": 0,
                    "timezone": "GMT",
                    "timezone_abbreviation": "GMT",
                    "elevation": 35.0,
                    "hourly_units": {"time": "unixtime"} | {v: "°C" for v in variables},
                    "hourly": hourly,
                }
            )
        return 200, locations if len(locations) > 1 else locations[0]


@contextlib.contextmanager
def open_meteo_standin() -> Any:
    """The stand-in on a free port of 127.0.0.1: (state, forecast URL, previous-runs URL)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = OpenMeteo()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            url = urllib.parse.urlparse(self.path)
            status, body = state.answer(urllib.parse.parse_qs(url.query))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state, f"{base}/v1/forecast", f"{base}/previous/v1/forecast"
    finally:
        server.shutdown()


@pytest.fixture
def open_meteo() -> Any:
    with open_meteo_standin() as served:
        yield served


def forecast_as_issued(path: Path, issued_by: pd.Timestamp) -> pd.DataFrame:
    """A forecast file's rows as a forecaster had them at `issued_by`, read as the forecast
    command and the backtest read them."""
    from energy_forecast.data.forecast_export import as_issued, read_temperature_forecasts

    return as_issued(read_temperature_forecasts(path), issued_by, str(path)).drop(columns="issued")


def weather_archive(observed: Path, first: pd.Timestamp, path: Path) -> Path:
    """A weather-forecast file of each day from `first` on, as forecast at 06:00 Paris on the
    day before and on the day: the observed temperatures of `observed`, the regional export."""
    from energy_forecast.data.forecast_export import forecast_file_rows
    from energy_forecast.data.temperature_export import read_temperature

    rows = read_temperature(observed)
    rows = rows[rows["date"] >= first]
    frames = []
    for lead in (0, 1):
        issued = (rows["date"] - pd.Timedelta(days=lead, hours=-6)).dt.tz_localize("Europe/Paris")
        values = {stat: rows[stat].to_numpy() for stat in ("min", "max", "mean")}
        frames.append(
            forecast_file_rows(
                pd.DatetimeIndex(issued), pd.DatetimeIndex(rows["date"]), rows["region"], values
            )
        )
    pd.concat(frames).to_csv(path, sep=";", index=False)
    return path
