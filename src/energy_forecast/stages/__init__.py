"""Pipeline stages: each reads its params, calls the library and writes its outputs.

`python -m energy_forecast.stages STAGE [FAMILY]` runs one, as `dvc.yaml` does; its code is
the stage's own and what it imports, so that an edit elsewhere (the CLI, another stage) does
not make DVC run it again.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from energy_forecast.settings import load

STAGES = ("ingest", "featurize", "train", "evaluate", "select", "backtest")


def run_stage(stage: str, params: str | Path, family: str | None = None) -> None:
    """Run `stage` (for `family`, the train stage) in the current directory."""
    settings = load(params)
    module = importlib.import_module(f"energy_forecast.stages.{stage}")
    module.run(settings, Path.cwd(), *((family,) if family else ()))
