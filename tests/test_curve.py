"""The load curve: the intervals of a Paris day, the profile model, a curve whose energy is the
daily forecast's, and the backtest's curve that knows nothing after the issue time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PARAMS, SYNTHETIC_YEARS, ridge, settings_with_sections

from energy_forecast import backtesting
from energy_forecast.core.curve import (
    LoadProfile,
    SeasonalInteractions,
    at_resolution,
    day_intervals,
    day_shapes,
    step_minutes,
)
from energy_forecast.core.errors import InputError
from energy_forecast.core.features import build_features
from energy_forecast.core.inputs import CONSUMPTION, PARIS
from energy_forecast.core.settings import FeatureSettings
from energy_forecast.data.daily import daily_table
from energy_forecast.runtime.settings import parse

SPRING, ORDINARY, AUTUMN = "2017-03-26", "2017-06-14", "2017-10-29"


def test_a_paris_day_has_46_48_or_50_half_hours_and_23_24_or_25_hours() -> None:
    dates = pd.DatetimeIndex([SPRING, ORDINARY, AUTUMN])
    for step, counts in ((30, [46, 48, 50]), (60, [23, 24, 25])):
        intervals = day_intervals(dates, step)
        assert intervals.groupby("date").size().tolist() == counts
        # Wall-clock slots: spring skips 02:00, autumn has it twice.
        slots = intervals.groupby("date")["slot"].apply(list)
        two = 120 // step
        assert two not in slots[pd.Timestamp(SPRING)]
        assert slots[pd.Timestamp(AUTUMN)].count(two) == 2
    first = day_intervals(pd.DatetimeIndex([ORDINARY]), 30)["start"].iloc[0]
    assert first == pd.Timestamp("2017-06-13 22:00", tz="UTC")


def test_the_day_types_of_a_shape_and_summer_time_on_the_wall_clock() -> None:
    # Saturday 30 March 2019, the clocks change on the Sunday; Sunday 27 October, back.
    dates = ["2019-03-30", "2019-03-31", "2019-04-01", "2019-10-26", "2019-10-27", "2019-10-28"]
    names = ["is_monday", "is_friday", "is_saturday", "summer_time"]
    frame = build_features(pd.DataFrame({"date": dates}), names, FeatureSettings(), source="t")
    assert frame.to_numpy().tolist() == [
        [0, 0, 1, 0],
        [0, 0, 0, 1],
        [1, 0, 0, 1],
        [0, 0, 1, 1],
        [0, 0, 0, 0],
        [1, 0, 0, 0],
    ]


def test_a_seasonal_interaction_is_a_feature_times_each_day_of_year_term() -> None:
    frame = pd.DataFrame({"is_sunday": [0, 1], "doy_sin1": [0.5, -0.25], "doy_cos1": [2.0, 4.0]})
    out = SeasonalInteractions(["is_sunday"]).fit(frame).transform(frame)
    # The features, then is_sunday x doy_sin1 and is_sunday x doy_cos1.
    assert out.tolist() == [[0.0, 0.5, 2.0, 0.0, 0.0], [1.0, -0.25, 4.0, -0.25, 4.0]]
    with pytest.raises(ValueError, match=r"columns: \['is_monday'\] are not among"):
        SeasonalInteractions(["is_monday"]).fit(frame)
    with pytest.raises(ValueError, match="expected day-of-year terms"):
        SeasonalInteractions(["is_sunday"]).fit(frame[["is_sunday"]])


def known_shapes(dates: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily inputs and shapes of a curve that is one pattern on weekdays and another on
    weekends, whatever the temperature."""
    slot = np.arange(48)
    weekday = 1 + 0.3 * np.sin(2 * np.pi * (slot - 14) / 48)
    weekend = 1 + 0.2 * np.cos(2 * np.pi * (slot - 26) / 48)
    off = dates.dayofweek >= 5
    shapes = pd.DataFrame(np.where(off[:, None], weekend, weekday), index=dates)
    inputs = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "wavg_mean_temperature": 10.0 + np.arange(len(dates)) % 7,
        }
    )
    return inputs, shapes.div(shapes.mean(axis=1), axis=0)


def test_the_profile_learns_a_known_shape_and_its_errors_are_its_own() -> None:
    dates = pd.date_range("2016-01-04", periods=400)
    inputs, shapes = known_shapes(dates)
    profile = LoadProfile(
        features=["is_saturday", "is_sunday", "wavg_mean_temperature"],
        alphas=[0.01, 1000.0],
        calibration_days=100,
    ).fit(inputs, shapes)
    # The small penalty fits the two patterns; the large one cannot tell the days apart.
    assert profile.alpha_ == 0.01
    assert profile.step_minutes_ == 30
    np.testing.assert_allclose(profile.predict(inputs), shapes.to_numpy(), atol=2e-4)
    assert np.abs(profile.error_quantiles_).max() < 1e-3


def test_the_profile_refuses_a_bad_penalty_and_too_few_days() -> None:
    inputs, shapes = known_shapes(pd.date_range("2016-01-04", periods=30))
    with pytest.raises(ValueError, match="alphas: expected positive numbers"):
        LoadProfile(features=["is_sunday"], alphas=[0.0]).fit(inputs, shapes)
    with pytest.raises(ValueError, match="expected at least 6 whole days"):
        LoadProfile(features=["is_sunday"]).fit(inputs.head(4), shapes.head(4))
    with pytest.raises(InputError, match=r"curve\.feature_set: expected one of features\.sets"):
        parse(PARAMS | {"curve": {"feature_set": "profil"}})


def test_the_curve_carries_the_daily_energy_on_every_kind_of_day() -> None:
    inputs, shapes = known_shapes(pd.date_range("2016-01-04", periods=400))
    profile = LoadProfile(features=["is_sunday"], calibration_days=100).fit(inputs, shapes)
    dates = pd.DatetimeIndex([SPRING, ORDINARY, AUTUMN])
    asked = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "wavg_mean_temperature": 12.0})
    daily = pd.DataFrame(
        {
            CONSUMPTION: [1.2e6, 1.3e6, 1.4e6],
            "lower_80": [1.1e6, 1.2e6, 1.3e6],
            "upper_80": [1.3e6, 1.4e6, 1.5e6],
        }
    )
    curve = profile.curve(asked, daily)
    assert curve.groupby("date").size().tolist() == [46, 48, 50]
    energy = (curve["forecast_mw"] * 0.5).groupby(curve["date"]).sum()
    np.testing.assert_allclose(energy.to_numpy(), daily[CONSUMPTION], rtol=1e-12)
    # A band holds the day's band at least: the profile's own error only widens it.
    ratio = curve["lower_80"] / curve["forecast_mw"]
    assert (ratio <= np.repeat([1.1 / 1.2, 1.2 / 1.3, 1.3 / 1.4], [46, 48, 50]) + 1e-12).all()
    assert "lower_95" not in curve.columns

    hourly = at_resolution(curve, "1h")
    assert hourly.groupby("date").size().tolist() == [23, 24, 25]
    first = curve[curve["date"] == pd.Timestamp(ORDINARY)]["forecast_mw"].iloc[:2].mean()
    ordinary = hourly[hourly["date"] == ORDINARY]
    assert ordinary["forecast_mw"].iloc[0] == pytest.approx(first)
    assert ordinary["start"].iloc[0] == "2017-06-13T22:00:00Z"
    assert ordinary["start_paris"].iloc[0] == "2017-06-14T00:00:00+02:00"
    autumn = hourly[hourly["date"] == AUTUMN]["start_paris"].tolist()
    assert autumn[2:4] == ["2017-10-29T02:00:00+02:00", "2017-10-29T02:00:00+01:00"]
    with pytest.raises(ValueError, match="resolution: expected one of"):
        at_resolution(curve, "15min")


def test_shapes_are_learnt_on_whole_24_hour_days_at_the_series_step() -> None:
    dates = pd.DatetimeIndex(["2017-03-25", SPRING, "2017-03-27"])
    intervals = day_intervals(dates, 30)
    curve = intervals.assign(mw=50000.0 + intervals["slot"] * 100)
    curve = curve.drop(index=[100])  # a half-hour of the 27th is missing
    assert step_minutes(curve) == 30
    shapes = day_shapes(curve, 30)
    assert list(shapes.index) == [pd.Timestamp("2017-03-25")]
    np.testing.assert_allclose(shapes.mean(axis=1), 1.0)


def late_halfhours_changed(source: Path, target: Path, after: pd.Timestamp) -> Path:
    """The export `source` with every half-hour from `after` on 30 % higher."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split(";")
        if fields[8] and pd.Timestamp(fields[0]) >= after:
            fields[8] = str(round(int(fields[8]) * 1.3))
        out.append(";".join(fields))
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return target


@pytest.mark.slow
def test_the_backtest_curve_of_d_knows_nothing_after_09_00_on_d_minus_1(
    synthetic_exports: tuple[Path, Path], tmp_path: Path
) -> None:
    """Every half-hour from 09:00 on D-1 changed, D the first day of a refit: the curve of D (and
    its bands) as issued at 09:00 on D-1, by models fitted then, do not change; that of D+1,
    which knows D-1 whole, does."""
    consumption, temperature = synthetic_exports
    day = pd.Timestamp("2017-01-10")
    issued = (day - pd.Timedelta(days=1) + pd.Timedelta(hours=9)).tz_localize(PARIS)
    changed = late_halfhours_changed(consumption, tmp_path / "c.csv", issued)
    # An adapting model, which reads the consumption it is told.
    settings = settings_with_sections(
        backtest={"start": "2017-01-10", "end": "2017-01-16", "train_days": 730},
        adapt={"state_noise": [0.1]},
    )
    config, article = ridge(settings), backtesting.article_configuration(settings)

    def curve_of(export: Path) -> pd.DataFrame:
        daily, _, curve = daily_table(
            export, temperature, *SYNTHETIC_YEARS, 2019, issue_time="09:00"
        )
        table = backtesting.rolling_forecasts(daily, settings, config, article, 1)
        rows = backtesting.rolling_curves(table, daily, curve, step_minutes(curve), settings)
        return rows.set_index("start").drop(columns=["date", "actual_mw"])

    base, late = curve_of(consumption), curve_of(changed)
    before = base.index < (day + pd.Timedelta(days=1)).tz_localize(PARIS)
    assert before.sum() == 48
    pd.testing.assert_frame_equal(base[before], late[before], check_exact=True)
    assert not np.allclose(base[~before]["forecast_mw"], late[~before]["forecast_mw"])
