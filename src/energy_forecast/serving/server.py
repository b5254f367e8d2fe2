"""A local `mlflow models serve` for a model: on a free 127.0.0.1 port, ready when it answers."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


@contextlib.contextmanager
def local_server(
    model: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Iterator[str]:
    """Serve `model` with this environment's MLflow; yield its URL once /ping answers."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        "models",
        "serve",
        "-m",
        str(model),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--env-manager",
        "local",
    ]
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"mlflow models serve -m {model} exited:\n"
                    f"{process.communicate()[1].decode()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"mlflow models serve -m {model}: no /ping in {timeout} s")
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
