"""`ingest`: put the identity of the data in data/raw/, from the source params name."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pandas as pd

from energy_forecast import paths
from energy_forecast.atomic import atomic_path
from energy_forecast.core.errors import InputError
from energy_forecast.settings import PARAMS_FILE, Settings

log = logging.getLogger(__name__)


def _external_file(value: str, key: str, root: Path) -> Path:
    path = (root / value).resolve()
    external = (root / paths.EXTERNAL).resolve()
    # `dvc.yaml` can only watch a fixed path, so sources live where the stage's dependency is.
    if not path.is_relative_to(external):
        raise InputError(
            f"{key}: expected a file under {paths.EXTERNAL}/ (which `ingest` depends on), "
            f"got {value!r}",
            source=PARAMS_FILE,
        )
    if not path.is_file():
        raise InputError("no such file", source=value)
    return path


def run(settings: Settings, root: Path) -> None:
    data = settings.data
    start = pd.Timestamp(data.start)
    end = None if data.last_day is None else pd.Timestamp(data.last_day)
    targets = (root / paths.RAW_CONSUMPTION, root / paths.RAW_TEMPERATURE)
    with atomic_path(targets[0]) as consumption, atomic_path(targets[1]) as temperature:
        if data.source == "files":
            for name, tmp in (("consumption", consumption), ("temperature", temperature)):
                value = getattr(data.files, name)
                shutil.copyfile(_external_file(value, f"data.files.{name}", root), tmp)
        elif data.source == "synthetic":
            from energy_forecast.synthetic.generator import generate

            if end is None:
                raise InputError(
                    "data.end: expected a date YYYY-MM-DD, got 'latest': generated data has "
                    "no latest day",
                    source=PARAMS_FILE,
                )
            generate(
                consumption,
                temperature,
                start,
                end,
                data.synthetic.seed,
                settings.features.population_year,
            )
        else:
            from energy_forecast.data import odre

            odre.download(data.odre, consumption, temperature, start, end)
    until = data.end
    log.info("ingest: %s data for %s..%s in %s and %s", data.source, data.start, until, *targets)
