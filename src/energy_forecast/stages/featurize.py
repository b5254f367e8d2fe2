"""`featurize`: one row per Paris day with consumption, calendar and temperature features."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from energy_forecast import params as P
from energy_forecast import paths
from energy_forecast.atomic import atomic_path
from energy_forecast.daily import daily_table

log = logging.getLogger(__name__)


def run(params: dict[str, Any], root: Path) -> None:
    start, end = P.data_range(params)
    table, report = daily_table(
        root / paths.RAW_CONSUMPTION,
        root / paths.RAW_TEMPERATURE,
        start,
        end,
        int(P.get(params, "features.population_year")),
        P.feature_settings(params),
        P.quality_rules(params),
    )
    with (
        atomic_path(root / paths.DAILY) as daily,
        atomic_path(root / paths.DATA_QUALITY) as quality,
    ):
        table.to_parquet(daily, engine="pyarrow", index=False)
        quality.write_text(
            json.dumps(report.metrics(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    log.info("featurize: wrote %d rows to %s and %s", len(table), paths.DAILY, paths.DATA_QUALITY)
