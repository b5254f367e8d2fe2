"""The `odre` source against a real HTTP server on 127.0.0.1 serving export fixtures."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from conftest import BIN, SMALL, make_repo, merge, run

from energy_forecast.synthetic import generate

pytestmark = pytest.mark.slow
DATASETS = {
    "consommation-quotidienne-brute": "consumption",
    "temperature-quotidienne-regionale": "temperature",
}


class Portal:
    """Export fixtures in both real formats, and switches for the server's misbehaviour."""

    def __init__(self, folder: Path) -> None:
        # Wider than the pipeline's range, so that `where` has something to cut.
        generate(
            folder / "consumption.csv",
            folder / "temperature.csv",
            pd.Timestamp("2015-12-01"),
            pd.Timestamp("2017-04-30"),
            seed=5,
        )
        self.files = {name: (folder / f"{name}.csv").read_bytes() for name in DATASETS.values()}
        self.reset()

    def reset(self) -> None:
        self.failures = 0  # answer 500 this many times first
        self.status = 500
        self.drop = False  # close the connection mid-body
        self.header = None  # replace the header line
        self.empty = False
        self.last_day = None  # serve nothing after this day
        self.ignore_where = False
        self.requests: list[str] = []

    def body(self, name: str, where: str | None) -> bytes:
        raw = self.files[name]
        head, _, rest = raw.partition(b"\r\n")
        lines = rest.split(b"\r\n")[:-1]
        column = 1
        days = pd.to_datetime(
            pd.Series([line.split(b";")[column].decode() for line in lines]),
            format="%d/%m/%Y" if name == "consumption" else "%Y-%m-%d",
        )
        keep = pd.Series(True, index=days.index)
        if where and not self.ignore_where:
            low, high = (pd.Timestamp(part.split("'")[1]) for part in where.split(" and "))
            keep &= (days >= low) & (days <= high)
        if self.last_day is not None:
            keep &= days <= pd.Timestamp(self.last_day)
        if self.header is not None:
            head = self.header
        kept = (line for line, k in zip(lines, keep, strict=True) if k)
        return b"\r\n".join([head, *kept]) + b"\r\n"


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[tuple[Portal, str]]:
    state = Portal(tmp_path_factory.mktemp("portal"))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            url = urllib.parse.urlparse(self.path)
            state.requests.append(self.path)
            dataset = url.path.split("/datasets/")[1].split("/")[0]
            if state.failures > 0:
                state.failures -= 1
                self.send_error(state.status)
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
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def odre_params(url: str) -> dict:
    return merge(
        SMALL,
        {
            "data": {
                "source": "odre",
                "odre": {"base_url": url, "timeout_seconds": 5, "retry_backoff_seconds": 0.01},
            }
        },
    )


def test_full_dvc_repro_on_the_portal_then_no_download(portal, tmp_path: Path) -> None:
    state, url = portal
    state.reset()
    repo = make_repo(tmp_path / "repo", odre_params(url))
    run(repo, str(BIN / "dvc"), "repro")
    assert len(state.requests) == 2
    assert "use_labels=true" in state.requests[0]
    assert "where=date" in state.requests[0]
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert daily["date"].min() == pd.Timestamp("2016-01-01")
    assert daily["date"].max() == pd.Timestamp("2017-03-31")
    assert (repo / "reports/metrics.json").exists()
    run(repo, str(BIN / "dvc"), "repro")
    assert len(state.requests) == 2


@pytest.fixture
def ingested(portal, tmp_path: Path) -> tuple[Portal, Path, dict[str, bytes]]:
    state, url = portal
    state.reset()
    repo = make_repo(tmp_path / "repo", odre_params(url))
    run(repo, str(BIN / "energy-forecast"), "ingest")
    raw = {
        p: (repo / p).read_bytes() for p in ("data/raw/consumption.csv", "data/raw/temperature.csv")
    }
    return state, repo, raw


def ingest_fails(repo: Path, raw: dict[str, bytes]) -> str:
    done = run(repo, str(BIN / "energy-forecast"), "ingest", check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    for path, content in raw.items():
        assert (repo / path).read_bytes() == content, path
    assert sorted(p.name for p in (repo / "data/raw").iterdir()) == [
        "consumption.csv",
        "temperature.csv",
    ]
    return done.stderr


def test_a_500_then_a_200_is_retried(ingested) -> None:
    state, repo, raw = ingested
    state.reset()
    state.failures = 1
    run(repo, str(BIN / "energy-forecast"), "ingest")
    assert len(state.requests) == 3
    assert (repo / "data/raw/consumption.csv").read_bytes() == raw["data/raw/consumption.csv"]


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
    run(repo, str(BIN / "energy-forecast"), "ingest")
    for path, content in raw.items():
        assert (repo / path).read_bytes() == content, path
