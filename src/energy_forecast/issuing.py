"""When a forecast is issued, and the temperatures a forecaster has then.

The forecast for day D is issued at `forecast.issue_time` (Paris wall-clock) on
D - `forecast.horizon_days`. It knows the observed temperatures of the days ended before the
issue day (the whole days known), and for the issue day to D a weather forecast: of each
region and day, the latest forecast issued by the issue time. `energy-forecast forecast` and
the backtest with `backtest.weather: forecast` both ask this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import PARIS
from energy_forecast.core.settings import issue_minutes
from energy_forecast.data import exports
from energy_forecast.data.parsing import as_issued
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.temperature import national_temperatures

# A weather forecast older than this at the issue time is stale: every service issues one
# at least daily, and a file left from an earlier day would pass for today's.
MAX_WEATHER_AGE = pd.Timedelta(hours=48)


@dataclass(frozen=True)
class Issue:
    """When the forecast for `day` is issued: `horizon_days` before, at `issue_time` (Paris
    wall-clock; None: at the end of that day)."""

    day: pd.Timestamp
    horizon_days: int
    issue_time: str | None

    @property
    def issue_day(self) -> pd.Timestamp:
        return self.day - pd.Timedelta(days=self.horizon_days)

    @property
    def instant(self) -> pd.Timestamp:
        """The issue instant, in UTC."""
        if self.issue_time is None:
            local = self.issue_day + pd.Timedelta(days=1)
        else:
            local = self.issue_day + pd.Timedelta(minutes=issue_minutes(self.issue_time))
        # A time the clock change skips is the next one; one it repeats, the first.
        paris = local.tz_localize(PARIS, ambiguous=True, nonexistent="shift_forward")
        return paris.tz_convert("UTC")

    @property
    def last_whole_day(self) -> pd.Timestamp:
        """The last day whose whole consumption and observed temperatures are known."""
        return self.issue_day - pd.Timedelta(days=int(self.issue_time is not None))

    @property
    def forecast_days(self) -> pd.DatetimeIndex:
        """The days whose temperatures are a weather forecast: after the last whole day, to D."""
        return pd.date_range(self.last_whole_day + pd.Timedelta(days=1), self.day)

    def describe(self) -> str:
        local = self.instant.tz_convert(PARIS)
        return f"{local:%Y-%m-%d %H:%M} Paris time"


def issued_regional(forecasts: pd.DataFrame, issue: Issue, source: str) -> pd.DataFrame:
    """The regional temperatures of the issue's forecast days as forecast by its issue time,
    from `parsing.read_temperature_forecasts` rows; an error naming the days the file covers
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
