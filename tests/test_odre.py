"""The `odre` source against a real HTTP server on 127.0.0.1 serving export fixtures."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import (
    BIN,
    ONE_FAMILY,
    PUBLISHED_TWH,
    ROOT,
    SMALL,
    cli,
    client,
    make_repo,
    merge,
    open_meteo_standin,
    run,
)

from energy_forecast.synthetic.generator import generate

pytestmark = pytest.mark.slow
ECO2MIX = ROOT.parent / "shared" / "data" / "eco2mix" / "eco2mix-national-tr_2021-12.csv"
DATASETS = {
    "consommation-quotidienne-brute": "consumption",
    "eco2mix-national-tr": "eco2mix",
    "temperature-quotidienne-regionale": "temperature",
}
# Each export's day column.
DAY_COLUMN = {"consumption": 1, "eco2mix": 2, "temperature": 1}


class Portal:
    """Export files served as the portal serves them, and switches for its misbehaviour."""

    def __init__(self, files: dict[str, bytes], day_formats: dict[str, str]) -> None:
        self.files, self.day_formats = files, day_formats
        self.reset()

    def reset(self) -> None:
        self.failures = 0  # answer 500 this many times first
        self.status = 500
        self.retry_after: int | None = None  # seconds, in a Retry-After header of the failures
        self.drop = False  # close the connection mid-body
        self.header = None  # replace the header line
        self.empty = False
        self.last_day = None  # serve nothing after this day
        self.ignore_where = False
        self.requests: list[str] = []
        self.times: list[float] = []

    def body(self, name: str, where: str | None) -> bytes:
        head, *lines = self.files[name].splitlines(keepends=True)
        days = pd.to_datetime(
            pd.Series([line.split(b";")[DAY_COLUMN[name]].decode() for line in lines]),
            format=self.day_formats[name],
        )
        keep = pd.Series(True, index=days.index)
        if where and not self.ignore_where:
            for bound in where.split(" and "):
                day = pd.Timestamp(bound.split("'")[1])
                keep &= days >= day if ">=" in bound else days <= day
        if self.last_day is not None:
            keep &= days <= pd.Timestamp(self.last_day)
        if self.header is not None:
            head = self.header + b"\r\n"
        return b"".join([head, *(line for line, k in zip(lines, keep, strict=True) if k)])


@contextlib.contextmanager
def serve(state: Portal) -> Iterator[str]:
    """Run a portal on a free port of 127.0.0.1 until the generator is closed."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            url = urllib.parse.urlparse(self.path)
            state.requests.append(self.path)
            state.times.append(time.monotonic())
            dataset = url.path.split("/datasets/")[1].split("/")[0]
            if state.failures > 0:
                state.failures -= 1
                self.send_response(state.status)
                if state.retry_after is not None:
                    self.send_header("Retry-After", str(state.retry_after))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            query = urllib.parse.parse_qs(url.query)
            body = b"" if state.empty else state.body(DATASETS[dataset], query["where"][0])
            self.send_response(200)
            self.send_header("Content-Type", "text/csv; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if state.drop else body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[tuple[Portal, str]]:
    folder = tmp_path_factory.mktemp("portal")
    # Wider than the pipeline's range, so that `where` has something to cut.
    generate(
        folder / "consumption.csv",
        folder / "temperature.csv",
        pd.Timestamp("2015-12-01"),
        pd.Timestamp("2017-04-30"),
        seed=5,
    )
    state = Portal(
        {name: (folder / f"{name}.csv").read_bytes() for name in ("consumption", "temperature")},
        {"consumption": "%d/%m/%Y", "temperature": "%Y-%m-%d"},
    )
    with serve(state) as url:
        yield state, url


@pytest.fixture
def real_portal(real_files_2021) -> Iterator[tuple[Portal, str]]:
    consumption, temperature = real_files_2021
    state = Portal(
        {"consumption": consumption.read_bytes(), "temperature": temperature.read_bytes()},
        {"consumption": "%d/%m/%Y", "temperature": "%d/%m/%y"},
    )
    with serve(state) as url:
        yield state, url


def odre_params(url: str) -> dict:
    data = {
        "source": "odre",
        "odre": {"base_url": url, "timeout_seconds": 5, "retry_backoff_seconds": 0.01},
    }
    return merge(SMALL, {"data": data}) | {"families": ONE_FAMILY}


def test_dvc_repro_on_the_portal_then_no_download(portal, tmp_path: Path) -> None:
    """`ingest` downloads once; a repro with nothing changed downloads nothing (the stages
    after `featurize` read its table as they do from any source)."""
    state, url = portal
    state.reset()
    repo = make_repo(tmp_path / "repo", odre_params(url))
    assert "Running stage 'ingest'" in run(repo, str(BIN / "dvc"), "repro", "featurize").stdout
    assert len(state.requests) == 2
    assert "use_labels=true" in state.requests[0]
    assert "where=date" in state.requests[0]
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert daily["date"].min() == pd.Timestamp("2016-01-01")
    assert daily["date"].max() == pd.Timestamp("2017-03-31")
    assert "Running stage" not in run(repo, str(BIN / "dvc"), "repro", "featurize").stdout
    assert len(state.requests) == 2


@pytest.fixture
def ingested(portal, tmp_path: Path) -> tuple[Portal, Path, dict[str, bytes]]:
    state, url = portal
    state.reset()
    repo = make_repo(tmp_path / "repo", odre_params(url))
    cli(repo, "ingest")
    names = ("consumption.csv", "temperature.csv", "temperature_forecast.csv", "sources.json")
    raw = {f"data/raw/{n}": (repo / f"data/raw/{n}").read_bytes() for n in names}
    return state, repo, raw


def ingest_fails(repo: Path, raw: dict[str, bytes]) -> str:
    done = cli(repo, "ingest", check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    for path, content in raw.items():
        assert (repo / path).read_bytes() == content, path
    assert sorted(f"data/raw/{p.name}" for p in (repo / "data/raw").iterdir()) == sorted(raw)
    return done.stderr


def test_a_500_then_a_200_is_retried(ingested) -> None:
    state, repo, raw = ingested
    state.reset()
    state.failures = 1
    cli(repo, "ingest")
    assert len(state.requests) == 3
    assert (repo / "data/raw/consumption.csv").read_bytes() == raw["data/raw/consumption.csv"]


def test_a_429_waits_as_long_as_its_retry_after_says(ingested) -> None:
    state, repo, raw = ingested
    state.reset()
    state.failures, state.status, state.retry_after = 1, 429, 1
    cli(repo, "ingest")
    assert len(state.requests) == 3
    # The backoff is 0.01 s: only the header explains the wait.
    assert state.times[1] - state.times[0] >= 1.0
    assert (repo / "data/raw/consumption.csv").read_bytes() == raw["data/raw/consumption.csv"]


def test_the_download_shows_a_bar_on_a_terminal_only(ingested) -> None:
    import fcntl
    import os
    import struct
    import subprocess
    import termios

    from conftest import env

    _, repo, _ = ingested
    assert "|" not in cli(repo, "ingest").stderr  # captured: no bar, the log lines alone
    terminal, stderr = os.openpty()
    # A terminal of 100 columns (a new pty has none, where tqdm draws an empty bar).
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with subprocess.Popen(
        [str(BIN / "energy-forecast"), "ingest"],
        cwd=repo,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    ) as process:
        os.close(stderr)
        shown = b""
        with contextlib.suppress(OSError):  # the terminal closes with the process
            while chunk := os.read(terminal, 1 << 16):
                shown += chunk
    os.close(terminal)
    assert process.returncode == 0, shown.decode(errors="replace")[-2000:]
    assert b"consumption:" in shown and b"%|" in shown and b"\r" in shown


def test_failures_are_clear_and_leave_the_previous_files(ingested) -> None:
    state, repo, raw = ingested
    state.reset()
    state.failures, state.status = 10, 503
    message = ingest_fails(repo, raw)
    assert "cannot reach http://127.0.0.1" in message and "503" in message
    assert "use data.source: files or synthetic" in message
    assert len(state.requests) == 4

    state.reset()
    state.drop = True
    assert "cannot reach" in ingest_fails(repo, raw)

    state.reset()
    state.header = b"date;code_insee_region;region;tmin;tmax;tmoy"
    message = ingest_fails(repo, raw)
    assert "unexpected header" in message and "line 1" in message

    state.reset()
    state.empty = True
    assert "empty body" in ingest_fails(repo, raw)

    state.reset()
    state.last_day = "2017-02-28"
    message = ingest_fails(repo, raw)
    assert "covers 2016-01-01 to 2017-02-28, not all of data.start..data.end" in message


def test_a_server_that_ignores_where_is_filtered_locally(ingested) -> None:
    state, repo, raw = ingested
    state.reset()
    state.ignore_where = True
    cli(repo, "ingest")
    for path, content in raw.items():
        assert (repo / path).read_bytes() == content, path


@pytest.mark.real_data
def test_the_exports_through_2021_from_the_portal(real_portal, tmp_path: Path) -> None:
    state, url = real_portal
    params = merge(odre_params(url), {"data": {"start": "2016-01-01", "end": "latest"}})
    params["split"] = {"test_start": "2021-01-01", "test_end": "2021-12-31"}
    repo = make_repo(tmp_path / "repo", params)
    run(repo, str(BIN / "dvc"), "repro", "featurize")
    assert "where=date+%3E%3D+date%272016-01-01%27&" in state.requests[0] + "&"
    raw = (repo / "data/raw/temperature.csv").read_text(encoding="utf-8-sig")
    assert raw.splitlines()[1].split(";")[1] == "01/01/16"
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert (daily["date"].min(), daily["date"].max()) == (
        pd.Timestamp("2016-01-01"),
        pd.Timestamp("2021-12-31"),
    )
    totals = daily.groupby(daily["date"].dt.year)["consumption_mwh"].sum() / 1e6
    for year in range(2016, 2022):
        assert totals[year] == pytest.approx(PUBLISHED_TWH[year], rel=5e-4), year
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["consumption"]["resolved"] == {"conflicting_duplicate.refile": 1}


@pytest.mark.real_data
def test_the_eco2mix_series_from_the_portal_carries_rte_j1(real_files_2021, tmp_path) -> None:
    """`consumption_dataset: eco2mix-national-tr` downloads the series RTE forecasts: its days,
    with RTE's J-1 forecast beside them, rows out of time order counted."""
    if not ECO2MIX.exists():
        pytest.skip("the eCO2mix export in ../shared/data/eco2mix is absent")
    state = Portal(
        {"eco2mix": ECO2MIX.read_bytes(), "temperature": real_files_2021[1].read_bytes()},
        {"eco2mix": "%Y-%m-%d", "temperature": "%d/%m/%y"},
    )
    with serve(state) as url:
        params = merge(odre_params(url), {"data": {"start": "2021-12-01", "end": "latest"}})
        params["data"]["odre"]["consumption_dataset"] = "eco2mix-national-tr"
        repo = make_repo(tmp_path / "repo", params)
        run(repo, str(BIN / "dvc"), "repro", "featurize")
    assert "/datasets/eco2mix-national-tr/exports/csv?" in state.requests[0]
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert len(daily) == 31
    assert daily["rte_j1_mwh"].notna().all()
    error = (daily["rte_j1_mwh"] / daily["consumption_mwh"] - 1).abs().mean()
    assert 0.005 < error < 0.02
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["consumption"]["rows_reordered"] > 0
    assert quality["consumption"]["rows_by_status"] == {"Temps réel": 2976}


def test_tomorrows_forecast_from_fresh_downloads(portal, trained_copy: Path, tmp_path) -> None:
    """`forecast --download --weather openmeteo`: the exports fresh from ODRÉ, the weather from
    Open-Meteo's archive as it stood at 09:00 on D-1; the run keeps what was downloaded, and
    those files, given back, make the same forecast."""
    state, url = portal
    state.reset()
    repo = trained_copy
    with open_meteo_standin() as (weather, latest, previous):
        params = yaml.safe_load((repo / "params.yaml").read_text())
        params["data"]["odre"] = {"base_url": url, "retry_backoff_seconds": 0.01}
        params["data"]["openmeteo"] = {"forecast_url": latest, "previous_runs_url": previous}
        (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        fresh = tmp_path / "fresh.json"
        args = ("forecast", "--date", "2017-04-02", "--download", "--weather", "openmeteo")
        cli(repo, *args, "--output", str(fresh))
    # From D - warmup_days (90) on, everything published; the weather at leads 1 to 3.
    assert len(state.requests) == 2
    assert all("2017-01-02" in r and "date+%3C%3D" not in r for r in state.requests)
    (query,) = weather.requests
    assert query["start_date"] == ["2017-03-31"] and query["end_date"] == ["2017-04-03"]
    assert "temperature_2m_previous_day3" in query["hourly"][0]

    store = client(repo)
    experiment = store.get_experiment_by_name(params["mlflow"]["experiment"])
    (logged,) = store.search_runs([experiment.experiment_id], "attributes.run_name = 'forecast'")
    assert logged.data.tags["forecast.weather.path"] == previous
    assert logged.data.tags["forecast.consumption.path"].startswith(url)
    kept = Path(store.download_artifacts(logged.info.run_id, "inputs", str(tmp_path)))
    assert sorted(p.name for p in kept.iterdir()) == [
        "consumption.csv",
        "temperature.csv",
        "weather.csv",
    ]
    again = tmp_path / "again.json"
    files = ("--consumption", kept / "consumption.csv", "--temperature", kept / "temperature.csv")
    cli(
        repo,
        "forecast",
        "--date",
        "2017-04-02",
        *map(str, files),
        "--weather",
        str(kept / "weather.csv"),
        "--output",
        str(again),
    )
    assert json.loads(again.read_text()) == json.loads(fresh.read_text())
    # --download and a file of its own: one or the other.
    both = cli(repo, *args, "--consumption", str(kept / "consumption.csv"), check=False)
    assert both.returncode == 2 and "--download fetches the exports" in both.stderr


def test_ingest_downloads_the_weather_archive_from_open_meteo(portal, tmp_path: Path) -> None:
    """With `backtest.weather: forecast` and `data.weather_forecast: openmeteo`, `ingest` asks
    Open-Meteo's Previous Runs API for the data period at the leads a day-ahead forecast needs."""
    state, url = portal
    state.reset()
    with open_meteo_standin() as (weather, latest, previous):
        params = odre_params(url)
        params["data"] |= {
            "weather_forecast": "openmeteo",
            "openmeteo": {"forecast_url": latest, "previous_runs_url": previous},
        }
        params["backtest"] = params["backtest"] | {"weather": "forecast"}
        repo = make_repo(tmp_path / "repo", params)
        cli(repo, "ingest")
    (query,) = weather.requests
    assert query["start_date"] == ["2015-12-31"] and query["end_date"] == ["2017-04-01"]
    table = pd.read_csv(repo / "data/raw/temperature_forecast.csv", sep=";")
    days = pd.date_range("2016-01-01", "2017-03-31")
    assert len(table) == 3 * 13 * len(days)
    assert set(table["Date"]) == set(days.strftime("%Y-%m-%d"))
