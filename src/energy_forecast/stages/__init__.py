"""Pipeline stages: each reads its params, calls the library and writes its outputs.

`python -m energy_forecast.stages STAGE [FAMILY]` runs one, as `dvc.yaml` does; its code is
the stage's own and what it imports, so that an edit elsewhere (the CLI, another stage) does
not make DVC run it again.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from energy_forecast import paths
from energy_forecast.core.errors import InputError, first_line
from energy_forecast.modeling.compute import single_threaded
from energy_forecast.settings import load

STAGES = ("ingest", "featurize", "train", "evaluate", "select", "backtest")


def read_daily(root: Path) -> pd.DataFrame:
    """The daily table `featurize` wrote; a missing or damaged one is one error naming it."""
    import pyarrow

    path = root / paths.DAILY
    try:
        return pd.read_parquet(path)
    except (OSError, pyarrow.ArrowException) as err:
        raise InputError(
            f"cannot be read as the daily table ({type(err).__name__}: {first_line(err)}); "
            "make it again with `dvc repro featurize`, or restore it with `dvc checkout`",
            source=str(paths.DAILY),
        ) from None


def run_stage(stage: str, params: str | Path, family: str | None = None) -> None:
    """Run `stage` (for `family`, the train stage) in the current directory, on one BLAS and
    OpenMP thread: a sum split among threads is rounded by their number (gradient boosting's
    are), and the outputs are the same on a laptop's eight cores as on CI's two."""
    settings = load(params)
    module = importlib.import_module(f"energy_forecast.stages.{stage}")
    single_threaded(module.run, settings, Path.cwd(), *((family,) if family else ()))
