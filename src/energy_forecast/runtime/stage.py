"""Running one pipeline stage as `dvc.yaml` does, and the table the modelling stages read."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from energy_forecast.core.errors import InputError, first_line
from energy_forecast.runtime import paths
from energy_forecast.runtime.settings import load

STAGES = ("ingest", "featurize", "train", "aggregate", "evaluate", "select", "backtest")


def single_threaded(function: Callable[..., Any], *args: Any) -> Any:
    # A few years of days make small matrices: one BLAS or OpenMP thread fits them as fast as
    # two, leaves the other core to the writer of the tracked runs, and sums in the same order
    # on any machine (a sum split among threads is rounded by their number).
    with threadpool_limits(1):
        return function(*args)


def run_stage(stage: str, params: str | Path, family: str | None = None) -> None:
    """Run `stage` (for `family`, the train stage) in the current directory, on one BLAS and
    OpenMP thread, so that the outputs are the same on a laptop's eight cores as on CI's two.
    Only the stage's own module is imported: an edit elsewhere (the CLI, another stage) does
    not make DVC run it again."""
    settings = load(params)
    module = importlib.import_module(f"energy_forecast.stages.{stage}")
    single_threaded(module.run, settings, Path.cwd(), *((family,) if family else ()))


def read_daily(root: Path) -> pd.DataFrame:
    """The daily table `featurize` wrote; a missing or damaged one is one error naming it."""
    return _read_processed(root, paths.DAILY, "the daily table")


def read_curve(root: Path) -> pd.DataFrame:
    """The load curve `featurize` wrote (`date`, `start` UTC, `mw`, `rte_j1_mw`)."""
    return _read_processed(root, paths.CURVE, "the load curve")


def _read_processed(root: Path, path: Path, what: str) -> pd.DataFrame:
    import pyarrow

    try:
        return pd.read_parquet(root / path)
    except (OSError, pyarrow.ArrowException) as err:
        raise InputError(
            f"cannot be read as {what} ({type(err).__name__}: {first_line(err)}); "
            "make it again with `dvc repro featurize`, or restore it with `dvc checkout`",
            source=str(path),
        ) from None


def read_reports(root: Path, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The reports of the candidates `names` (`paths.candidate_report`): how each was chosen
    and fitted, what the later stages rebuild and compare it by."""
    return {
        name: json.loads((root / paths.candidate_report(name)).read_text(encoding="utf-8"))
        for name in names
    }
