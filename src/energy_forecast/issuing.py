"""When a forecast is issued, and the temperatures a forecaster has then.

The forecast for day D is issued at `forecast.issue_time` (Paris wall-clock) on
D - `forecast.horizon_days`. It knows the observed temperatures of the days ended before the
issue day (the whole days known), and for the issue day to D a weather forecast: from an
archive of forecasts (`data.weather_forecasts`) or the weather-forecast error model here.
`energy-forecast forecast`, the backtest and the bands' calibration ask a day as issued here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from energy_forecast.core.features import day_numbers
from energy_forecast.core.inputs import PARIS, TEMPERATURE_COLUMNS
from energy_forecast.core.settings import issue_minutes
from energy_forecast.runtime.settings import ForecastSettings

# The weather-forecast error model (`intervals.weather: simulated`): the standard deviation of
# the national temperature's forecast error at a lead of 0, 1 and 2 days after the issue day,
# relative to the day-ahead one (lead 1) that `intervals.weather_error` sets. Errors grow with
# the lead, as the synthetic generator's forecasts do.
LEAD_ERROR_RATIOS = (5 / 7, 1.0, 10 / 7)


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


def simulated_temperatures(observed: pd.DataFrame, issue: Issue, error_sd: float) -> pd.DataFrame:
    """The national temperatures of the issue's forecast days as the weather-forecast error
    model forecasts them: the `observed` ones (by date) plus one error per day, shared by the
    temperature columns, of standard deviation `error_sd` times its lead's
    `LEAD_ERROR_RATIOS`. The errors are drawn from the seed of the day D forecast: a day is
    forecast the same way whichever window asks for it."""
    observed = observed.loc[observed.index.intersection(issue.forecast_days)]
    leads = (observed.index - issue.issue_day).days.to_numpy()
    seed = int(day_numbers(pd.DatetimeIndex([issue.day]))[0])
    error = np.random.default_rng(seed).normal(0.0, 1.0, len(leads))
    error *= error_sd * np.asarray(LEAD_ERROR_RATIOS)[leads]
    return observed.add(error, axis=0)


# The national temperatures of an issue's forecast days, by date, as a forecaster has them then.
Weather = Callable[[Issue], pd.DataFrame]


def simulated_weather(days: pd.DataFrame, error_sd: float) -> Weather:
    """Forecast days' temperatures from the weather-forecast error model around the observed
    ones of `days`, daily rows (`simulated_temperatures`)."""
    observed = days[TEMPERATURE_COLUMNS].set_axis(pd.DatetimeIndex(pd.to_datetime(days["date"])))
    return lambda issue: simulated_temperatures(observed, issue, error_sd)


def requests_as_issued(
    days: pd.DataFrame,
    first: pd.Timestamp,
    forecast: ForecastSettings,
    warmup_days: int,
    weather: Weather,
) -> Iterator[pd.DataFrame]:
    """Per day D of `days` (daily rows) from `first` on, the rows a forecaster sends for it,
    issued as `forecast` says: the `warmup_days` before D and D, the temperatures of D's
    forecast days replaced by what `weather` gives for its issue, the observed ones before."""
    dates = pd.to_datetime(days["date"])
    for day in dates[dates >= first]:
        forecast_days = weather(Issue(day, forecast.horizon_days, forecast.issue_time))
        rows = ((dates >= day - pd.Timedelta(days=warmup_days)) & (dates <= day)).to_numpy()
        request = days[rows].reset_index(drop=True)
        replaced = dates[rows].isin(forecast_days.index).to_numpy()
        columns = [c for c in forecast_days.columns if c in request.columns]
        request.loc[replaced, columns] = forecast_days.loc[
            dates[rows][replaced], columns
        ].to_numpy()
        yield request


def interleaved_requests(
    days: pd.DataFrame,
    first: pd.Timestamp,
    forecast: ForecastSettings,
    warmup_days: int,
    look_back_days: int,
    weather: Weather,
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """The days of `days` (daily rows) from `first` on asked as issued, in few requests rather
    than one each: request r (of `look_back_days` + 1) covers the `warmup_days` before `first`
    and every day after, and answers the days r, r + look_back_days + 1, ...; each with its
    forecast days' temperatures as `weather` gives them for its issue. No other day's forecast
    reaches into an answered day's look-back, so its features are those of its own request;
    the trackers see the other answered days' forecast temperatures in their past, one
    stretch in each look-back's length. Yields pairs of a request and its answering rows."""
    dates = pd.to_datetime(days["date"])
    kept = (dates >= first - pd.Timedelta(days=warmup_days)).to_numpy()
    frame, dates = days[kept].reset_index(drop=True), dates[kept].reset_index(drop=True)
    targets = np.flatnonzero((dates >= first).to_numpy())
    stride = look_back_days + 1
    row_of = pd.Series(np.arange(len(dates)), index=pd.DatetimeIndex(dates))
    columns = [c for c in TEMPERATURE_COLUMNS if c in frame.columns]
    for offset in range(min(stride, len(targets))):
        values = frame[columns].to_numpy(dtype=float, copy=True)
        answering = targets[offset::stride]
        for row in answering:
            forecast_days = weather(Issue(dates[row], forecast.horizon_days, forecast.issue_time))
            rows = row_of[forecast_days.index].to_numpy()
            values[rows] = forecast_days[columns].to_numpy(dtype=float)
        yield frame.assign(**dict(zip(columns, values.T, strict=True))), answering
