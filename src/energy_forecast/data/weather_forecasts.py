"""The temperatures an archive of weather forecasts gives a forecast issued at a time (of
each region and forecast day, the latest forecast issued by then), and the weather the bands
are calibrated with (`intervals.weather`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import PARIS
from energy_forecast.data import exports
from energy_forecast.data.forecast_export import as_issued, read_temperature_forecasts
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.issuing import Issue, Weather, simulated_weather
from energy_forecast.runtime.paths import RAW_TEMPERATURE_FORECAST
from energy_forecast.runtime.settings import PARAMS_FILE, Settings

# A weather forecast older than this at the issue time is stale: every service issues one
# at least daily, and a file left from an earlier day would pass for today's.
MAX_WEATHER_AGE = pd.Timedelta(hours=48)


def issued_regional(forecasts: pd.DataFrame, issue: Issue, source: str) -> pd.DataFrame:
    """The regional temperatures of the issue's forecast days as forecast by its issue time,
    from `read_temperature_forecasts` rows; an error naming the days the file covers
    when it has none of them, a day or regions it lacks, or a forecast issued more than
    `MAX_WEATHER_AGE` before the issue time. A forecast day is never interpolated from its
    neighbours: it is forecast or refused."""
    days = issue.forecast_days
    wanted = forecasts[(forecasts["date"] >= days[0]) & (forecasts["date"] <= days[-1])]
    if wanted.empty and len(forecasts):
        raise InputError(
            f"forecasts of {forecasts['date'].min().date()} to {forecasts['date'].max().date()}; "
            f"the forecast for {issue.day.date()} needs them of {days[0].date()} to "
            f"{issue.day.date()}",
            source=source,
        )
    regional = as_issued(wanted, issue.instant, source)
    for day in days:
        regions = set(regional.loc[regional["date"] == day, "region"])
        if missing := sorted(set(REGIONS) - regions):
            raise InputError(
                f"no forecast of {day.date()} issued by {issue.describe()} for regions "
                f"{missing}; the forecast for {issue.day.date()} needs every region's "
                f"temperatures from {days[0].date()} to {issue.day.date()}",
                source=source,
            )
    oldest = regional["issued"].min()
    if oldest < issue.instant - MAX_WEATHER_AGE:
        raise InputError(
            f"the latest forecast issued by {issue.describe()} was issued "
            f"{oldest.tz_convert(PARIS):%Y-%m-%d %H:%M %Z}, more than "
            f"{MAX_WEATHER_AGE / pd.Timedelta(hours=1):.0f} hours before; expected a current "
            "weather forecast",
            source=source,
            column=exports.FORECAST_ISSUED,
        )
    return regional.drop(columns="issued")


def forecast_temperatures(
    forecasts: pd.DataFrame, issue: Issue, population_year: int, source: str
) -> pd.DataFrame:
    """The national temperatures of the issue's forecast days as forecast by its issue time
    (`issued_regional`)."""
    regional = issued_regional(forecasts, issue, source)
    days = issue.forecast_days
    ahead = national_temperatures(regional, population_year, days[0], issue.day, source, 0)
    return ahead.drop(columns="temperature_imputed")


def archived_weather(forecasts: pd.DataFrame, population_year: int, source: str) -> Weather:
    """Forecast days' temperatures from an archive of weather forecasts (rows of
    `read_temperature_forecasts`), as forecast by each issue time."""
    return lambda issue: forecast_temperatures(forecasts, issue, population_year, source)


def calibration_archive(settings: Settings, root: Path) -> pd.DataFrame | None:
    """The weather forecasts `ingest` archived, for `intervals.weather: forecast`; else None."""
    if settings.intervals.weather != "forecast":
        return None
    return read_temperature_forecasts(root / RAW_TEMPERATURE_FORECAST)


def calibration_weather(
    settings: Settings, days: pd.DataFrame, archive: pd.DataFrame | None
) -> Weather | None:
    """Where the bands' calibration days get their forecast days' temperatures
    (`intervals.weather`), from `days` (daily rows) or the weather-forecast `archive`; None:
    observed, the days asked in one request."""
    bands = settings.intervals
    if bands.weather == "observed":
        return None
    if bands.weather == "simulated":
        return simulated_weather(days, bands.weather_error)
    if archive is None:
        raise InputError(
            "intervals.weather: forecast calibrates the bands on archived weather forecasts: "
            "none was read",
            source=PARAMS_FILE,
        )
    source = str(RAW_TEMPERATURE_FORECAST)
    return archived_weather(archive, settings.features.population_year, source)
