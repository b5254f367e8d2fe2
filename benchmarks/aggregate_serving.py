"""What a served request costs with the aggregate of experts, against a family's model.

    python benchmarks/aggregate_serving.py [--rounds 200]

Loads the pipeline's `models/aggregate` and the selected family's model (`reports/metrics.json`;
the synthetic default's `dvc repro` makes both, each fitted on the training period) as pyfunc
models in this process, and times the request a forecaster sends at 09:00 on D-1: the
`adapt.warmup_days` days before D with their consumption known at that time, then D. p50 and
p95 over a fixed number of rounds, each one request to each model in turn (a load spike on
the host then falls on both). Goal: the aggregate's p50 at most 1.5x the family's. Over HTTP
(`benchmarks/serve.py`) both pay the same server's overhead on top.
"""

from __future__ import annotations

import argparse
import json
import time

import mlflow
import numpy as np
import pandas as pd
from _workspace import ROOT

from energy_forecast.core.features import CONSUMPTION
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE
from energy_forecast.modeling.saving import request_frame, required_columns
from energy_forecast.runtime.paths import candidate_model
from energy_forecast.runtime.settings import load

GOAL = 1.5


def forecaster_request(model, daily: pd.DataFrame, warmup_days: int) -> pd.DataFrame:
    """The last day of `daily` as D, asked at 09:00 on D-1: the whole consumption to D-2, D-1's
    to 09:00."""
    rows = daily.tail(warmup_days + 1).reset_index(drop=True)
    frame = request_frame(rows, required_columns(model.metadata))
    whole = rows[CONSUMPTION].where(rows.index < len(rows) - 2)
    return frame.assign(
        **{
            CONSUMPTION: whole.to_numpy(),
            CONSUMPTION_TO_ISSUE: rows[CONSUMPTION_TO_ISSUE]
            .where(rows.index < len(rows) - 1)
            .to_numpy(),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    settings = load(ROOT / "params.yaml")
    family = json.loads((ROOT / "reports/metrics.json").read_text(encoding="utf-8"))["model"]
    names = [family, "aggregate"]
    models = [mlflow.pyfunc.load_model(str(ROOT / candidate_model(n))) for n in names]
    daily = pd.read_parquet(ROOT / "data/processed/daily.parquet")
    requests = [forecaster_request(m, daily, settings.adapt.warmup_days) for m in models]
    times = np.empty((rounds, 2))
    for round_ in range(-10, rounds):  # ten rounds of warm-up
        for side, (model, request) in enumerate(zip(models, requests, strict=True)):
            start = time.perf_counter()
            model.predict(request)
            if round_ >= 0:
                times[round_, side] = (time.perf_counter() - start) * 1000
    p50 = np.percentile(times, 50, axis=0)
    p95 = np.percentile(times, 95, axis=0)
    print(f"a request of {len(requests[0])} rows (D and its warm-up), {rounds} rounds, in process")
    print("| model | p50 (ms) | p95 (ms) |")
    print("|---|---:|---:|")
    for name, median, tail in zip(names, p50, p95, strict=True):
        print(f"| {name} | {median:.1f} | {tail:.1f} |")
    print(f"aggregate / {family} at p50: {p50[1] / p50[0]:.2f} (goal at most {GOAL})")


if __name__ == "__main__":
    main()
