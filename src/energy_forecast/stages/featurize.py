"""`featurize`: one row per Paris day: its consumption (to the issue time too), status and
national temperatures; and the same days' curve, interval by interval."""

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
        table, report, curve = daily_table(
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
        atomic_path(root / paths.CURVE) as intervals,
        atomic_path(root / paths.DATA_QUALITY) as quality,
    ):
        table.to_parquet(daily, engine="pyarrow", index=False)
        curve.to_parquet(intervals, engine="pyarrow", index=False)
        quality.write_text(
            json.dumps(report.metrics(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    log.info(
        "featurize: wrote %d days to %s, their %d intervals to %s, and %s",
        len(table),
        paths.DAILY,
        len(curve),
        paths.CURVE,
        paths.DATA_QUALITY,
    )
