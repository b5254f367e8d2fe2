"""`featurize`: one row per Paris day with consumption, calendar and temperature features."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from energy_forecast import params as P
from energy_forecast import paths
from energy_forecast.atomic import atomic_path
from energy_forecast.errors import InputError
from energy_forecast.features import build_features, known_features
from energy_forecast.parsing import read_consumption, read_temperature
from energy_forecast.temperature import TEMPERATURE_COLUMNS, national_temperatures

log = logging.getLogger(__name__)


def daily_table(
    consumption: Path,
    temperature: Path,
    start: pd.Timestamp,
    end: pd.Timestamp,
    population_year: int,
    settings: dict[str, Any],
) -> pd.DataFrame:
    days = read_consumption(consumption)
    table = days.table
    covered = table[(table.index >= start) & (table.index <= end)]
    if covered.empty:
        raise InputError(
            f"no consumption between {start.date()} and {end.date()}; the file covers "
            f"{table.index.min().date()} to {table.index.max().date()}",
            source=str(consumption),
        )
    if table.index.min() > start or table.index.max() < end:
        raise InputError(
            f"covers {table.index.min().date()} to {table.index.max().date()}, not all of "
            f"data.start..data.end ({start.date()} to {end.date()})",
            source=str(consumption),
        )
    incomplete = [d for d in days.incomplete if start <= d <= end]
    log.info(
        "featurize: %d days kept; %d left out for missing half-hours %s; %d spring clock-change "
        "rows dropped; %d rows refiled under their own day",
        len(covered),
        len(incomplete),
        [d.date().isoformat() for d in incomplete],
        days.dropped_spring_rows,
        days.refiled_rows,
    )
    national = national_temperatures(
        read_temperature(temperature), population_year, start, end, source=str(temperature)
    )
    log.info(
        "featurize: %d days with interpolated temperatures",
        int(national["temperature_imputed"].sum()),
    )
    joined = covered.join(national, how="inner").rename_axis("date").reset_index()
    engineered = [f for f in known_features(settings) if f not in TEMPERATURE_COLUMNS]
    return pd.concat([joined, build_features(joined, engineered, settings)], axis=1)


def run(params: dict[str, Any], root: Path) -> None:
    start, end = P.data_range(params)
    table = daily_table(
        root / paths.RAW_CONSUMPTION,
        root / paths.RAW_TEMPERATURE,
        start,
        end,
        int(P.get(params, "features.population_year")),
        P.feature_settings(params),
    )
    with atomic_path(root / paths.DAILY) as tmp:
        table.to_parquet(tmp, engine="pyarrow", index=False)
    log.info("featurize: wrote %d rows to %s", len(table), paths.DAILY)
