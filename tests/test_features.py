"""Features on hand-built calendars, and the one code path for training and serving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_forecast.core.errors import InputError
from energy_forecast.core.features import DEFAULTS, build_features, calendar, required_inputs


def days(start: str, end: str) -> pd.DatetimeIndex:
    return pd.date_range(start, end)


def test_holidays_and_bridge_days() -> None:
    may = days("2018-05-07", "2018-05-14")
    # 2018: Victory Day Tuesday 8 May, Ascension Thursday 10 May.
    assert may[calendar.is_holiday(may)].strftime("%d").tolist() == ["08", "10"]
    # Monday 7 (before Tuesday's holiday), Wednesday 9 (between two), Friday 11 (after Thursday).
    assert may[calendar.is_bridge(may)].strftime("%d").tolist() == ["07", "09", "11"]
    # A holiday on a Wednesday makes no bridge; a Monday holiday makes none either.
    other = days("2019-05-06", "2019-05-10")  # Victory Day Wednesday 8 May 2019
    assert not calendar.is_bridge(other).any()
    assert not calendar.is_bridge(days("2019-04-19", "2019-04-23")).any()  # Easter Monday


def test_the_working_days_next_to_a_holiday_and_the_school_zones_on_holiday() -> None:
    # 1 May 2019 was a Wednesday: Tuesday 30 April before it, Thursday 2 May after it. In
    # February 2019 zone B broke first (from the 9th), A and C later (the 16th, the 23rd).
    dates = ["2019-04-30", "2019-05-01", "2019-05-02", "2019-02-11", "2019-02-25", "2019-08-01"]
    names = ["holiday_eve", "holiday_after", "school_holiday"]
    out = build_features(pd.DataFrame({"date": dates}), names, DEFAULTS)
    assert out["holiday_eve"].tolist() == [1, 0, 0, 0, 0, 0]
    assert out["holiday_after"].tolist() == [0, 0, 1, 0, 0, 0]
    np.testing.assert_allclose(out["school_holiday"], [1 / 3, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 1])
    with pytest.raises(InputError, match="2029-01-08 is outside the school calendar"):
        build_features(pd.DataFrame({"date": ["2029-01-08"]}), ["school_holiday"], DEFAULTS)


def test_year_end_and_summer_break() -> None:
    turn = days("2018-12-22", "2019-01-04")
    flagged = turn[calendar.is_year_end(turn)].strftime("%m-%d").tolist()
    assert flagged[0] == "12-24" and flagged[-1] == "01-02" and len(flagged) == 10
    summer = calendar.summer_holiday(
        pd.DatetimeIndex(
            ["2019-07-01", "2019-07-14", "2019-08-10", "2020-08-10", "2019-08-26", "2019-09-02"]
        )
    )
    assert summer[0] == 0 and summer[1] == 0 and summer[2] == summer[3] == 1
    assert 0 < summer[4] < 1 and summer[5] == 0


def test_breaks_on_working_days_only() -> None:
    # 2017: Sunday 24 Dec, Monday 25 Dec (Christmas), Tuesday 26 Dec; Monday 1 Jan 2018.
    turn = pd.DataFrame(
        {"date": ["2017-12-22", "2017-12-24", "2017-12-25", "2017-12-26", "2018-01-01"]}
    )
    out = build_features(turn, ["is_year_end", "year_end_workday"])
    assert out["is_year_end"].tolist() == [0, 1, 1, 1, 1]
    assert out["year_end_workday"].tolist() == [0, 0, 0, 1, 0]
    # 2018: Saturday 11 Aug, Monday 13 Aug, Wednesday 15 Aug (Assumption), Thursday 16 Aug.
    august = pd.DataFrame({"date": ["2018-08-11", "2018-08-13", "2018-08-15", "2018-08-16"]})
    out = build_features(august, ["summer_holiday", "summer_workday"])
    assert out["summer_holiday"].tolist() == [1, 1, 1, 1]
    assert out["summer_workday"].tolist() == [0, 1, 0, 1]


def test_clock_change_days_are_ordinary_calendar_days() -> None:
    frame = pd.DataFrame({"date": ["2018-03-25", "2018-10-28", "2018-10-29"]})
    out = build_features(frame, ["weekday", "week", "month", "is_holiday"])
    assert out["weekday"].tolist() == [6, 6, 0]
    assert out["week"].tolist() == [12, 43, 44]


def test_the_clock_change_day_type_marks_the_23_and_25_hour_days() -> None:
    frame = pd.DataFrame({"date": ["2018-03-24", "2018-03-25", "2018-10-28", "1995-09-24"]})
    assert build_features(frame, ["clock_change"])["clock_change"].tolist() == [0, 1, 1, 1]


def test_the_smoothed_minimum_and_maximum_read_their_own_temperature() -> None:
    features = ["smoothed_min_temperature", "smoothed_max_temperature"]
    assert required_inputs(features) == ["date", "wavg_min_temperature", "wavg_max_temperature"]
    frame = pd.DataFrame(
        {
            "date": ["2019-01-01", "2019-01-02", "2019-01-03"],
            "wavg_min_temperature": [0.0, 10.0, 10.0],
            "wavg_max_temperature": [8.0, 8.0, 8.0],
        }
    )
    out = build_features(frame, features, DEFAULTS)
    # Half-life one day: yesterday weighs half of today, the day before a quarter.
    np.testing.assert_allclose(out["smoothed_min_temperature"], [0.0, 10 / 1.5, 15 / 1.75])
    np.testing.assert_allclose(out["smoothed_max_temperature"], [8.0, 8.0, 8.0])


def test_degrees_and_fourier_terms() -> None:
    frame = pd.DataFrame(
        {"date": ["2019-01-01", "2019-07-02"], "wavg_mean_temperature": [5.0, 25.0]}
    )
    out = build_features(
        frame, ["heating_degrees", "cooling_degrees", "doy_sin1", "doy_cos1", "trend"]
    )
    assert out["trend"].iloc[0] == pytest.approx(19.0, abs=0.01)
    assert out["heating_degrees"].tolist() == [10.0, 0.0]
    assert out["cooling_degrees"].tolist() == [0.0, 5.0]
    assert out["doy_cos1"].iloc[0] == pytest.approx(1.0)
    assert out["doy_cos1"].iloc[1] == pytest.approx(-1.0, abs=0.01)


def test_smoothing_needs_the_preceding_days_and_matches_with_them() -> None:
    dates = pd.date_range("2019-01-01", "2019-01-20").strftime("%Y-%m-%d")
    temps = np.linspace(0.0, 19.0, 20)
    full = pd.DataFrame({"date": dates, "wavg_mean_temperature": temps})
    pipeline = build_features(full, ["smoothed_temperature"])["smoothed_temperature"]
    window = DEFAULTS.smoothing_window_days
    # A request carrying the window's preceding days agrees exactly on its last day...
    request = full.iloc[19 - (window - 1) :].sample(frac=1.0, random_state=0)
    served = build_features(request, ["smoothed_temperature"])["smoothed_temperature"]
    assert served.loc[19] == pipeline.loc[19]
    # ...and a lone day falls back to its own temperature.
    alone = build_features(full.iloc[[19]], ["smoothed_temperature"])["smoothed_temperature"]
    assert alone.iloc[0] == 19.0 and pipeline.iloc[19] < 19.0
    slow = build_features(full, ["slow_smoothed_temperature", "smoothed_temperature"])
    # The slow smoothing lags further behind a warming trend than the fast one.
    assert slow["slow_smoothed_temperature"].iloc[19] < slow["smoothed_temperature"].iloc[19]
    assert required_inputs(["smoothed_temperature", "weekday"]) == ["date", "wavg_mean_temperature"]


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (
            pd.DataFrame({"date": ["2019-01-01", "2019-13-01"], "wavg_mean_temperature": [1, 2]}),
            r"row 1: '2019-13-01' is not a date",
        ),
        (
            pd.DataFrame({"date": ["2019-01-01"], "wavg_mean_temperature": [np.nan]}),
            r"column 'wavg_mean_temperature'.*row 0",
        ),
        (
            pd.DataFrame({"date": ["2019-01-01", "2019-01-02"], "wavg_mean_temperature": [1, -45]}),
            r"row 1: -45 is not a temperature",
        ),
        (
            pd.DataFrame({"date": ["2019-01-01"], "wavg_mean_temp": [1.0]}),
            r"missing columns \['wavg_mean_temperature'\]",
        ),
        (pd.DataFrame({"date": [], "wavg_mean_temperature": []}), "no rows"),
        (
            pd.DataFrame({"date": ["2019-01-01", "2019-01-01"], "wavg_mean_temperature": [1, 2]}),
            "appears twice",
        ),
    ],
)
def test_bad_requests_name_the_column_and_row(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(InputError, match=match):
        build_features(frame, ["heating_degrees", "smoothed_temperature"])


def test_weekend_holidays_are_not_workday_holidays() -> None:
    frame = pd.DataFrame({"date": ["2017-11-11", "2018-11-11", "2019-11-11", "2019-11-12"]})
    out = build_features(frame, ["is_holiday", "workday_holiday", "is_saturday", "is_sunday"])
    assert out["is_holiday"].tolist() == [1, 1, 1, 0]
    assert out["workday_holiday"].tolist() == [0, 0, 1, 0]
    assert out["is_saturday"].tolist() == [1, 0, 0, 0] and out["is_sunday"].tolist() == [0, 1, 0, 0]


def test_cold_nights_need_the_daily_minimum() -> None:
    features = ["cold_night_degrees", "heating_degrees"]
    assert required_inputs(features) == ["date", "wavg_min_temperature", "wavg_mean_temperature"]
    frame = pd.DataFrame(
        {
            "date": ["2019-01-01", "2019-01-02"],
            "wavg_mean_temperature": [4, 9],
            "wavg_min_temperature": [-2.5, 12.0],
        }
    )
    assert build_features(frame, features)["cold_night_degrees"].tolist() == [12.5, 0.0]
