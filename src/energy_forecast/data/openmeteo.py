"""Temperature forecasts from Open-Meteo (open-meteo.com), as the forecast-temperature file that
`read_temperature_forecasts` reads (docs/forecasting.md), so that a downloaded forecast
and a provider's file go through one reader.

Two APIs, one request shape (hourly 2 m temperature at each region's point of
`regions.POINTS`, the 13 points in one request, times as Unix seconds):
- the Forecast API: the latest forecast, `temperature_2m`. It counts as issued when it is
  downloaded, so it serves only a forecast issued now or later.
- the Previous Runs API: `temperature_2m_previous_dayN`, each hour's value as forecast N x 24 h
  before it. A day's value at lead N counts as issued N days before its last hour, plus
  `publication_hours` (a run is public some hours after it starts). Several leads are asked
  for; the reader then keeps, for each day, the latest one issued by the issue time.
The hours are grouped into Paris days (23, 24 or 25 of them; a day with a missing hour is left
out, so the reader names it): TMin and TMax are the day's extremes and TMoy their mean, as
Météo-France computes the daily mean of the regional export.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

from energy_forecast.core.calendar import day_hours
from energy_forecast.core.errors import InputError, first_line
from energy_forecast.core.inputs import PARIS
from energy_forecast.data import exports
from energy_forecast.data.forecast_export import forecast_file_rows
from energy_forecast.data.odre import RETRIES, session
from energy_forecast.data.regions import POINTS
from energy_forecast.runtime.atomic import atomic_path
from energy_forecast.runtime.settings import OpenMeteoSettings

log = logging.getLogger(__name__)

LATEST = "temperature_2m"
# The Previous Runs API's variable of the forecast made `lead` days before each hour.
PREVIOUS = "temperature_2m_previous_day{lead}"
MAX_LEAD_DAYS = 7


def _query(settings: OpenMeteoSettings, hourly: Sequence[str]) -> dict[str, str]:
    codes = sorted(POINTS)
    return {
        "latitude": ",".join(f"{POINTS[c][0]:.4f}" for c in codes),
        "longitude": ",".join(f"{POINTS[c][1]:.4f}" for c in codes),
        "hourly": ",".join(hourly),
        "models": settings.model,
        "timeformat": "unixtime",
        "timezone": "GMT",
    }


def _get(url: str, query: dict[str, str], settings: OpenMeteoSettings) -> list[dict[str, Any]]:
    """One location object per point, in `POINTS` order; an error naming the URL otherwise."""
    try:
        response = session(settings.retry_backoff_seconds).get(
            url, params=query, timeout=settings.timeout_seconds
        )
    except requests.RequestException as err:
        raise InputError(
            f"cannot reach {url}: {type(err).__name__}: {first_line(err)} (after {RETRIES} "
            "retries); give a forecast file with --weather FILE"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not response.ok:
        reason = body.get("reason") if isinstance(body, dict) else response.reason
        raise InputError(f"HTTP {response.status_code}: {reason}", source=response.url)
    locations = body if isinstance(body, list) else [body]
    if len(locations) != len(POINTS) or not all(isinstance(b, dict) for b in locations):
        raise InputError(
            f"expected a JSON list of {len(POINTS)} locations (one per region), got "
            f"{type(body).__name__} of {len(locations)}",
            source=response.url,
        )
    return locations


def _hourly(location: dict[str, Any], variable: str, url: str) -> pd.Series:
    """The location's hourly values of `variable`, indexed by UTC instant (null: NaN)."""
    hourly = location.get("hourly") or {}
    times, values = hourly.get("time"), hourly.get(variable)
    if not isinstance(times, list) or not isinstance(values, list) or len(times) != len(values):
        raise InputError(
            f"expected `hourly` with `time` and `{variable}` lists of one length "
            f"(timeformat=unixtime), got keys {sorted(hourly)}",
            source=url,
        )
    index = pd.to_datetime(np.asarray(times, dtype="int64"), unit="s", utc=True)
    return pd.Series(np.asarray(values, dtype=float), index=index)


def daily(hours: pd.Series) -> pd.DataFrame:
    """Paris days with every hour known: `min`, `max`, and `mean` = (min + max) / 2; indexed by
    the day."""
    day = hours.index.tz_convert(PARIS).tz_localize(None).normalize()
    grouped = hours.groupby(day)
    frame = pd.DataFrame({"min": grouped.min(), "max": grouped.max()})
    complete = grouped.count().to_numpy() == day_hours(frame.index)
    frame = frame[complete]
    return frame.assign(mean=(frame["min"] + frame["max"]) / 2)


def _rows(days: pd.DataFrame, code: int, issued: pd.DatetimeIndex) -> pd.DataFrame:
    values = {key: days[key].to_numpy() for key in exports.TEMPERATURE_VALUES.values()}
    return forecast_file_rows(issued, days.index, code, values)


def latest(settings: OpenMeteoSettings, now: pd.Timestamp) -> pd.DataFrame:
    """The latest forecast, yesterday to three days on, issued `now` (when it is downloaded)."""
    query = _query(settings, [LATEST]) | {"past_days": "1", "forecast_days": "3"}
    url = settings.forecast_url
    log.info("weather forecast: GET %s (latest, 13 regions)", url)
    frames = []
    for code, location in zip(sorted(POINTS), _get(url, query, settings), strict=True):
        days = daily(_hourly(location, LATEST, url))
        frames.append(_rows(days, code, pd.DatetimeIndex([now] * len(days))))
    return pd.concat(frames, ignore_index=True)


def previous_runs(
    settings: OpenMeteoSettings, first: pd.Timestamp, last: pd.Timestamp, leads: Sequence[int]
) -> pd.DataFrame:
    """Forecasts of the Paris days `first`..`last` made `leads` days before, each row with the
    time its values were public."""
    if not leads or min(leads) < 1 or max(leads) > MAX_LEAD_DAYS:
        raise ValueError(f"leads must lie in 1..{MAX_LEAD_DAYS}, got {list(leads)}")
    variables = [PREVIOUS.format(lead=lead) for lead in leads]
    # UTC dates around the Paris days, whose hours start the evening before in UTC.
    query = _query(settings, variables) | {
        "start_date": (first - pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
        "end_date": (last + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
    }
    url = settings.previous_runs_url
    log.info(
        "weather forecasts: GET %s (leads %s, %s to %s)",
        url,
        list(leads),
        first.date(),
        last.date(),
    )
    frames = []
    for code, location in zip(sorted(POINTS), _get(url, query, settings), strict=True):
        for lead, variable in zip(leads, variables, strict=True):
            days = daily(_hourly(location, variable, url))
            days = days[(days.index >= first) & (days.index <= last)]
            frames.append(_rows(days, code, issued_at(days.index, lead, settings)))
    return pd.concat(frames, ignore_index=True)


def issued_at(days: pd.DatetimeIndex, lead: int, settings: OpenMeteoSettings) -> pd.DatetimeIndex:
    """When a day's values forecast `lead` days ahead were public: `lead` days before its last
    hour (23:00 Paris), plus the run's publication delay."""
    last_hour = (days + pd.Timedelta(hours=23)).tz_localize(PARIS)
    return last_hour - pd.Timedelta(days=lead) + pd.Timedelta(hours=settings.publication_hours)


def leads(ahead: pd.Timedelta) -> range:
    """The leads to ask for when the end of the last day forecast lies `ahead` of the issue
    time: up to one whose forecast of that day's last hour was public by then."""
    return range(1, min(MAX_LEAD_DAYS, int(np.ceil(ahead / pd.Timedelta(days=1))) + 1) + 1)


def download(
    settings: OpenMeteoSettings,
    target: Path,
    first: pd.Timestamp,
    last: pd.Timestamp,
    issued_by: pd.Timestamp,
    now: pd.Timestamp,
) -> None:
    """Write to `target` the forecasts of `first`..`last` a forecaster had at `issued_by`: the
    latest one if that is still to come, else those of the Previous Runs archive."""
    if now <= issued_by:
        table = latest(settings, now)
    else:
        ahead = (last + pd.Timedelta(days=1)).tz_localize(PARIS) - issued_by
        table = previous_runs(settings, first, last, leads(ahead))
    with atomic_path(target) as tmp:
        table.to_csv(tmp, sep=exports.SEPARATOR, index=False)
