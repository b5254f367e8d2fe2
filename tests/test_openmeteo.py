"""The `openmeteo` weather source against a stand-in of Open-Meteo's two APIs on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import OpenMeteo, forecast_as_issued

from energy_forecast.core.errors import InputError
from energy_forecast.data import openmeteo
from energy_forecast.data.regions import POINTS, REGIONS
from energy_forecast.runtime.settings import OpenMeteoSettings

PARIS = "Europe/Paris"


def service(open_meteo) -> OpenMeteoSettings:
    _, latest, previous = open_meteo
    return OpenMeteoSettings(
        forecast_url=latest, previous_runs_url=previous, retry_backoff_seconds=0.01
    )


def expected_day(code: int, day: pd.Timestamp, lead: int) -> tuple[float, float]:
    """The stand-in's TMin and TMax of a Paris day at `lead`, from its every hour."""
    start = day.tz_localize(PARIS).tz_convert("UTC")
    end = (day + pd.Timedelta(days=1)).tz_localize(PARIS).tz_convert("UTC")
    hours = pd.date_range(start, end, freq="h", inclusive="left")
    values = [OpenMeteo.value(round(POINTS[code][0], 4), t, lead) for t in hours]
    return min(values), max(values)


def test_the_latest_forecast_counts_as_issued_when_downloaded(open_meteo, tmp_path: Path) -> None:
    state, _, _ = open_meteo
    now = pd.Timestamp.now(tz="UTC").floor("s")
    tomorrow = now.tz_convert(PARIS).tz_localize(None).normalize() + pd.Timedelta(days=1)
    target = tmp_path / "weather.csv"
    openmeteo.download(service(open_meteo), target, tomorrow, tomorrow, now, now)

    (query,) = state.requests
    assert len(query["latitude"][0].split(",")) == len(POINTS) == len(REGIONS)
    assert query["hourly"] == ["temperature_2m"]
    assert query["models"] == ["gfs_seamless"] and query["timeformat"] == ["unixtime"]
    forecast = forecast_as_issued(target, now)
    day = forecast[forecast["date"] == tomorrow].set_index("region")
    assert sorted(day.index) == sorted(REGIONS)
    for code in REGIONS:
        low, high = expected_day(code, tomorrow, lead=0)
        assert day.loc[code, ["min", "max"]].tolist() == pytest.approx([low, high], abs=0.006)
        assert day.loc[code, "mean"] == pytest.approx((low + high) / 2, abs=0.006)
    # Issued when downloaded: a forecast issued a second earlier cannot have read it.
    with pytest.raises(InputError, match="no forecast issued by"):
        forecast_as_issued(target, now - pd.Timedelta(seconds=1))


def test_previous_runs_give_what_was_public_at_the_issue_time(open_meteo, tmp_path: Path) -> None:
    """At 09:00 on D-1 the forecast of D is the one made two days before its hours (one day
    before would have been public only on D), and D-1's the one made a day before."""
    state, _, _ = open_meteo
    day = pd.Timestamp("2021-10-31")  # 25 hours: the autumn clock change
    issue = (day - pd.Timedelta(days=1, hours=-9)).tz_localize(PARIS)
    target = tmp_path / "weather.csv"
    later = pd.Timestamp("2026-01-01", tz="UTC")
    openmeteo.download(service(open_meteo), target, day - pd.Timedelta(days=1), day, issue, later)

    (query,) = state.requests
    leads = ["temperature_2m_previous_day1", "temperature_2m_previous_day2"]
    assert query["hourly"] == [",".join([*leads, "temperature_2m_previous_day3"])]
    assert (query["start_date"], query["end_date"]) == (["2021-10-29"], ["2021-11-01"])
    forecast = forecast_as_issued(target, issue.tz_convert("UTC"))
    for date, lead in ((day, 2), (day - pd.Timedelta(days=1), 1)):
        rows = forecast[forecast["date"] == date].set_index("region")
        assert sorted(rows.index) == sorted(REGIONS)
        low, high = expected_day(11, date, lead)
        assert rows.loc[11, ["min", "max"]].tolist() == pytest.approx([low, high], abs=0.006)
    # The file says when each value was public: lead 1 for D only on D itself.
    table = pd.read_csv(target, sep=";")
    issued = pd.to_datetime(table["issued_at"], utc=True)
    of_d = issued[table["Date"] == "2021-10-31"]
    assert of_d.max() > issue >= sorted(of_d)[-len(REGIONS) - 1]


def test_a_day_with_an_hour_missing_is_left_out(open_meteo, tmp_path: Path) -> None:
    state, _, _ = open_meteo
    day = pd.Timestamp("2022-03-27")  # 23 hours: the spring clock change
    state.null_at = pd.Timestamp("2022-03-27 12:00", tz="UTC")
    target = tmp_path / "weather.csv"
    issue = pd.Timestamp("2022-03-26 09:00", tz=PARIS)
    openmeteo.download(
        service(open_meteo), target, day, day, issue, pd.Timestamp("2026-01-01", tz="UTC")
    )
    table = pd.read_csv(target, sep=";")
    assert table.empty
    state.null_at = None
    openmeteo.download(
        service(open_meteo), target, day, day, issue, pd.Timestamp("2026-01-01", tz="UTC")
    )
    table = pd.read_csv(target, sep=";")
    # 23 hours make the day; each region has it at every lead asked for.
    assert len(table) == len(REGIONS) * 3
    assert np.isfinite(table["TMoy (°C)"]).all()


def test_an_error_answer_is_reported_with_its_reason(open_meteo, tmp_path: Path) -> None:
    state, _, _ = open_meteo
    state.reason = "Parameter 'start_date' is out of allowed range from 2021-03-23"
    target = tmp_path / "weather.csv"
    issue = pd.Timestamp("2019-03-26 09:00", tz=PARIS)
    with pytest.raises(InputError, match="HTTP 400: Parameter 'start_date' is out of allowed"):
        openmeteo.download(
            service(open_meteo),
            target,
            pd.Timestamp("2019-03-27"),
            pd.Timestamp("2019-03-27"),
            issue,
            pd.Timestamp("2026-01-01", tz="UTC"),
        )
    assert not target.exists()
