"""Seconds and peak memory of ingest + featurize: real files (2016-2018) and 20 synthetic years.

    python benchmarks/featurize.py

Each stage runs as the `energy-forecast` command DVC runs; memory is the peak resident size
of the stage's process. Goal: 20 synthetic years (2000-2019) in under 5 s and 500 MB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from _workspace import BIN, SHARED, env, workspace


def stage(repo, name: str) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "energy-forecast"), name],
        cwd=repo,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{name} failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def measure(label: str, params: dict, copy_real: bool = False) -> None:
    repo = workspace(params, git=False)
    if copy_real:
        shutil.copy(
            SHARED / "consommation-quotidienne-brute_2012-2018.csv",
            repo / "data/external/consommation-quotidienne-brute.csv",
        )
        shutil.copy(
            SHARED / "temperature-quotidienne-regionale_2016-2018_ddmmyy.csv",
            repo / "data/external/temperature-quotidienne-regionale.csv",
        )
    ingest_s, ingest_mb = stage(repo, "ingest")
    featurize_s, featurize_mb = stage(repo, "featurize")
    print(
        f"{label:<34} ingest {ingest_s:5.2f} s {ingest_mb:5.0f} MB | featurize "
        f"{featurize_s:5.2f} s {featurize_mb:5.0f} MB | total {ingest_s + featurize_s:5.2f} s,"
        f" peak {max(ingest_mb, featurize_mb):4.0f} MB"
    )
    shutil.rmtree(repo.parent)


def main() -> None:
    if (SHARED / "consommation-quotidienne-brute_2012-2018.csv").exists():
        measure(
            "real files 2016-2018 (files)",
            {"data": {"source": "files", "start": "2016-01-01", "end": "2018-12-31"}},
            copy_real=True,
        )
    else:
        print("real files absent: ../shared/data/odre")
    measure("synthetic 2016-2019-08 (default)", {})
    measure("synthetic 20 years 2000-2019", {"data": {"start": "2000-01-01", "end": "2019-12-31"}})
    print("goal: 20 years in under 5 s and 500 MB (process start and imports included)")


if __name__ == "__main__":
    main()
