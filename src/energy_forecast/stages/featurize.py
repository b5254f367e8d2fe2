"""`featurize`: one row per Paris day: its consumption (to the issue time too), status and
national temperatures."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.data import sources
from energy_forecast.data.daily import daily_table
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import atomic_path
from energy_forecast.runtime.settings import Settings

log = logging.getLogger(__name__)


def run(settings: Settings, root: Path) -> None:
    data = settings.data
    raw = (paths.RAW_CONSUMPTION, paths.RAW_TEMPERATURE)
    try:
        table, report = daily_table(
            root / paths.RAW_CONSUMPTION,
            root / paths.RAW_TEMPERATURE,
            pd.Timestamp(data.start),
            None if data.last_day is None else pd.Timestamp(data.last_day),
            settings.features.population_year,
            data.quality,
            settings.forecast.issue_time,
        )
    except InputError as err:
        # Named in the export the user put in data/external/, not in ingest's copy of it.
        parts = sources.read(root / paths.RAW_SOURCES)
        for path in raw:
            err = sources.located(err, root, path, parts.get(path.name, []))
        raise err from None
    with (
        atomic_path(root / paths.DAILY) as daily,
        atomic_path(root / paths.DATA_QUALITY) as quality,
    ):
        table.to_parquet(daily, engine="pyarrow", index=False)
        quality.write_text(
            json.dumps(report.metrics(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    log.info("featurize: wrote %d rows to %s and %s", len(table), paths.DAILY, paths.DATA_QUALITY)
