"""`ingest`: put the identity of the data in data/raw/, from the source params name."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from energy_forecast import params as P
from energy_forecast import paths
from energy_forecast.atomic import atomic_path
from energy_forecast.errors import InputError

log = logging.getLogger(__name__)


def _external_file(params: dict[str, Any], name: str, root: Path) -> Path:
    value = P.get(params, name)
    path = (root / str(value)).resolve()
    external = (root / paths.EXTERNAL).resolve()
    # `dvc.yaml` can only watch a fixed path, so sources live where the stage's dependency is.
    if not path.is_relative_to(external):
        raise P.bad(name, f"a file under {paths.EXTERNAL}/ (which `ingest` depends on)", value)
    if not path.is_file():
        raise InputError("no such file", source=str(value))
    return path


def run(params: dict[str, Any], root: Path) -> None:
    source = P.source(params)
    start, end = P.data_range(params)
    targets = (root / paths.RAW_CONSUMPTION, root / paths.RAW_TEMPERATURE)
    with atomic_path(targets[0]) as consumption, atomic_path(targets[1]) as temperature:
        if source == "files":
            for name, tmp in (("consumption", consumption), ("temperature", temperature)):
                shutil.copyfile(_external_file(params, f"data.files.{name}", root), tmp)
        elif source == "synthetic":
            from energy_forecast.synthetic import generate

            if end is None:
                raise P.bad(
                    "data.end", "a date YYYY-MM-DD: generated data has no latest day", "latest"
                )
            seed = P.get(params, "data.synthetic.seed")
            if not isinstance(seed, int):
                raise P.bad("data.synthetic.seed", "an integer", seed)
            generate(
                consumption,
                temperature,
                start,
                end,
                seed,
                int(P.get(params, "features.population_year")),
            )
        else:
            from energy_forecast.sources import odre

            odre.download(params, consumption, temperature, start, end)
    until = end.date() if end is not None else P.LATEST
    log.info("ingest: %s data for %s..%s in %s and %s", source, start.date(), until, *targets)
