"""Seconds to search the default grid bare and tracked, and of dvc repro (full and no-op).

    python benchmarks/train.py

(a) cross-validates every configuration of every family with no MLflow; (a') adds each
family's champion refit, the rest of a stage's work; (b) runs the same train stages in the
same process with tracking (parent and child runs, lineage tags, the champion's refit, saved
and logged model), on an existing store, as every run after the first.
Goals: (b) / (a) <= 1.2; no-op dvc repro < 3 s; the whole default dvc repro < 180 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
from _workspace import BIN, env, workspace

from energy_forecast import params as P
from energy_forecast.stages import train
from energy_forecast.training import (
    champion,
    configurations,
    refit,
    search,
    selection_metric,
    split,
)


def seconds(command: list[str], cwd) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env(), check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    repo = workspace()
    full = seconds([str(BIN / "dvc"), "repro"], repo)
    noop = seconds([str(BIN / "dvc"), "repro"], repo)

    os.chdir(repo)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    params = P.load(repo / "params.yaml")
    families = P.families(params)
    training, _ = split(pd.read_parquet(repo / "data/processed/daily.parquet"), params)
    import mlflow  # noqa: F401  (imported once, outside both timings)

    start = time.perf_counter()
    results = {name: search(configurations(params, name), training, params) for name in families}
    bare = time.perf_counter() - start
    n = sum(len(r) for r in results.values())
    start = time.perf_counter()
    for found in results.values():
        refit(champion(found, selection_metric(params)).configuration, training, params)
    refit_seconds = time.perf_counter() - start

    # The store already exists (the dvc repro above made it), as for every run after the first.
    start = time.perf_counter()
    for name in families:
        train.run(params, repo, name)
    tracked = time.perf_counter() - start

    print(f"configurations:                      {n} ({', '.join(families)})")
    print(f"(a) fit and score, no MLflow:        {bare:7.2f} s")
    print(f"(a') + refit each champion, no MLflow:{bare + refit_seconds:7.2f} s")
    print(f"(b) train stages with tracking:      {tracked:7.2f} s")
    print(f"(b) / (a):                           {tracked / bare:7.3f}  (goal <= 1.2)")
    print(f"(b) / (a'):                          {tracked / (bare + refit_seconds):7.3f}")
    print(f"whole default dvc repro:             {full:7.2f} s  (goal < 180 s)")
    print(f"no-op dvc repro:                     {noop:7.2f} s  (goal < 3 s)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
