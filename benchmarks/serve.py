"""Latency of /invocations: our model on raw inputs against a plain model on ready features.

    python benchmarks/serve.py [--model models/model] [--requests 200]

Both are served by `mlflow models serve` on 127.0.0.1: the selected model, which builds its
features from `date` and temperatures, and a plain scikit-learn model of the same family and
settings fitted on the ready-made feature frame from daily.parquet. p50 and p95 over a fixed
number of rounds of 1 and of 365 rows, each round one request to each server in turn (a load
spike on the host then falls on both). Goal: our p50 at most 1.2x the plain model's. Then
the curve: our model asked for each day's half-hours (`{"params": {"resolution": "30min"}}`)
against the same request's daily answer, on one server, each round one of each: 1 row, a
forecast's request (`adapt.warmup_days` with their consumption, then the day: the curve of the
day) and 365 rows without consumption (365 days' curves). Goal: the curve's p50 at most 1.5x
the daily one's.
Run `dvc repro` first so that models/model and data/processed/daily.parquet exist.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import requests
from _workspace import ROOT, env

from energy_forecast.core.families import family
from energy_forecast.core.features import build_features, required_inputs
from energy_forecast.modeling.saving import request_frame
from energy_forecast.runtime.settings import load
from energy_forecast.serving.server import local_server

# The variables that choose OpenBLAS's and NumPy's CPU kernels (energy_forecast/__init__.py).
KERNEL_VARIABLES = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")


def body(frame: pd.DataFrame, params: dict | None = None) -> str:
    split = json.loads(frame.to_json(orient="split", index=False))
    return json.dumps({"dataframe_split": split} | ({"params": params} if params else {}))


def paired_latencies(urls: list[str], bodies: list[str], n: int) -> np.ndarray:
    """Milliseconds of `n` rounds, each one request to every server in turn: a load spike on
    the host falls on both sides of a round, not on one side's whole series."""
    headers = {"Content-Type": "application/json"}
    sessions = [requests.Session() for _ in urls]
    out = np.empty((n, len(urls)))
    for round_ in range(-10, n):  # ten rounds of warm-up
        for side, (session, url, data) in enumerate(zip(sessions, urls, bodies, strict=True)):
            start = time.perf_counter()
            answer = session.post(f"{url}/invocations", data=data, headers=headers, timeout=30)
            elapsed = time.perf_counter() - start
            answer.raise_for_status()
            if round_ >= 0:
                out[round_, side] = elapsed * 1000
    for session in sessions:
        session.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=ROOT / "models/model")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    metrics = json.loads((ROOT / "reports/metrics.json").read_text())
    name = metrics["model"]
    report = json.loads((ROOT / f"reports/train/{name}.json").read_text())
    daily = pd.read_parquet(ROOT / "data/processed/daily.parquet")
    settings = load(ROOT / "params.yaml")
    features = settings.features.sets[report["feature_set"]]
    raw = request_frame(daily, required_inputs(features))
    # The plain model's input: the feature frame built once, ahead of the requests.
    ready = build_features(raw, list(features), settings.feature_settings)

    plain = family(name).estimator(**report["params"]).fit(ready, daily["consumption_mwh"])
    folder = Path(tempfile.mkdtemp()) / "plain"
    mlflow.sklearn.save_model(
        plain, folder, serialization_format="cloudpickle", input_example=ready.head(2)
    )

    ours_in = raw.tail(365).reset_index(drop=True)
    plain_in = ready.tail(365).reset_index(drop=True)
    print(
        f"family {name}, feature set {report['feature_set']} ({len(features)} features), "
        f"{args.requests} requests per case"
    )
    # Like with like: importing energy_forecast chose the AVX2 kernels in this process's
    # environment, and both servers start from it (the served model's code would choose them
    # anyway; the plain model's would not).
    both = env()
    print("both servers: " + ", ".join(f"{name}={both.get(name)}" for name in KERNEL_VARIABLES))
    print(f"{'rows':>5} {'model':<28} {'p50 ms':>8} {'p95 ms':>8}")
    labels = ("ours: date + temperatures", "plain: ready feature frame")
    with local_server(args.model, env=both) as ours, local_server(folder, env=both) as theirs:
        for rows in (1, 365):
            bodies = [body(ours_in.head(rows)), body(plain_in.head(rows))]
            ms = paired_latencies([ours, theirs], bodies, args.requests)
            for label, side in zip(labels, ms.T, strict=True):
                p50, p95 = np.percentile(side, [50, 95])
                print(f"{rows:>5} {label:<28} {p50:8.2f} {p95:8.2f}")
            ratio = np.median(ms[:, 0] / ms[:, 1])
            (ours50, plain50), (ours95, plain95) = np.percentile(ms, [50, 95], axis=0)
            print(
                f"{rows:>5} rows: ours / plain = {ours50 / plain50:.2f} (p50), "
                f"{ours95 / plain95:.2f} (p95), {ratio:.2f} (median of the rounds' ratios); "
                "goal <= 1.2"
            )
        print(f"\n{'rows':>5} {'answer':<28} {'p50 ms':>8} {'p95 ms':>8}")
        labels = ("daily row", "curve, every half-hour")
        warmup = settings.adapt.warmup_days
        history = daily["consumption_mwh"].tail(warmup + 1).to_numpy()
        forecast_request = ours_in.tail(warmup + 1).assign(consumption_mwh=history)
        forecast_request.loc[forecast_request.index[-1], "consumption_mwh"] = np.nan
        for request in (ours_in.tail(1), forecast_request, ours_in):
            rows = len(request)
            bodies = [body(request), body(request, {"resolution": "30min"})]
            ms = paired_latencies([ours, ours], bodies, args.requests)
            for label, side in zip(labels, ms.T, strict=True):
                p50, p95 = np.percentile(side, [50, 95])
                print(f"{rows:>5} {label:<28} {p50:8.2f} {p95:8.2f}")
            (daily50, curve50) = np.percentile(ms, 50, axis=0)
            print(f"{rows:>5} rows: curve / daily = {curve50 / daily50:.2f} (p50); goal <= 1.5")


if __name__ == "__main__":
    main()
