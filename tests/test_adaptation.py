"""Day-ahead adaptation: what a forecast may see, what it follows, and what it falls back to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PARAMS, ridge, settings_with, synthetic_table

from energy_forecast.core.adaptation import NOWCAST_LAGS, KalmanAdaptive, nowcast_inputs
from energy_forecast.core.errors import InputError
from energy_forecast.core.features import CONSUMPTION, build_features, checked_consumption
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE
from energy_forecast.modeling.training import (
    Configuration,
    served_inputs,
    served_model,
)
from energy_forecast.runtime.settings import FeatureSettings, parse


def fitted_on_2016_2017(daily: pd.DataFrame, settings) -> tuple[KalmanAdaptive, Configuration]:
    """The served (tracking) ridge of `settings`, fitted on the generated years before 2018,
    without its bands."""
    config = ridge(settings)
    train = daily[pd.to_datetime(daily["date"]) < "2018-01-01"]
    model = served_model(config, settings).fit(
        served_inputs(config, settings, train), train["consumption_mwh"].to_numpy()
    )
    return model.forecaster_, config


@pytest.fixture(scope="module")
def fitted(synthetic_daily):
    """A tracking ridge fitted on 2016-2017, and the 2018 days it is asked about."""
    settings = settings_with(state_noise=[0.1])
    model, config = fitted_on_2016_2017(synthetic_daily, settings)
    dates = pd.to_datetime(synthetic_daily["date"])
    later = synthetic_daily[(dates >= "2017-10-01") & (dates <= "2018-04-30")].reset_index(
        drop=True
    )
    return model, served_inputs(config, settings, later), later["consumption_mwh"].to_numpy()


def test_without_consumption_the_forecast_is_the_static_one(fitted) -> None:
    model, inputs, actual = fitted
    assert isinstance(model, KalmanAdaptive)
    static = model.base_.predict(inputs)
    np.testing.assert_array_equal(model.predict(inputs), static)
    unknown = inputs.assign(**{CONSUMPTION: np.nan})
    np.testing.assert_array_equal(model.predict(unknown), static)
    assert not np.array_equal(model.predict(inputs.assign(**{CONSUMPTION: actual})), static)


@pytest.mark.parametrize("horizon", [1, 2])
def test_a_forecast_sees_consumption_to_d_minus_horizon_and_weather_to_d(
    synthetic_daily, horizon: int
) -> None:
    """With no issue time (the whole of D - horizon known)."""
    settings = parse(
        PARAMS
        | {
            "forecast": {"horizon_days": horizon, "issue_time": None},
            "adapt": PARAMS["adapt"] | {"state_noise": [0.1]},
        }
    )
    model, config = fitted_on_2016_2017(synthetic_daily, settings)
    request = _winter_request(synthetic_daily, served_inputs, config, settings)
    day = 60
    forecast = model.predict(request)[day]
    future = request.copy()
    # Everything after D - horizon (consumption) and after D (weather) changes...
    future.loc[day - horizon + 1 :, CONSUMPTION] *= 1.3
    for column in request.columns:
        if column.endswith("temperature"):
            future.loc[day + 1 :, column] += 8.0
    assert model.predict(future)[day] == forecast
    # ... and changes nothing, while the consumption of D - horizon does.
    seen = request.copy()
    seen.loc[day - horizon, CONSUMPTION] *= 1.3
    assert model.predict(seen)[day] != pytest.approx(forecast, rel=1e-6)
    # A request cut at D - horizon, D's consumption unknown, gives the same forecast.
    cut = request.iloc[: day + 1].copy()
    cut.loc[day - horizon + 1 :, CONSUMPTION] = np.nan
    assert model.predict(cut)[day] == pytest.approx(forecast, rel=1e-12)


def _winter_request(daily, inputs, config, settings) -> pd.DataFrame:
    dates = pd.to_datetime(daily["date"])
    window = daily[(dates >= "2017-11-01") & (dates <= "2018-02-28")].reset_index(drop=True)
    return inputs(config, settings, window).assign(
        **{CONSUMPTION: window["consumption_mwh"].to_numpy()}
    )


def test_issued_at_nine_a_forecast_sees_the_day_before_to_nine_only(synthetic_daily) -> None:
    settings = settings_with(state_noise=[0.1])
    assert settings.forecast.issue_time == "09:00"
    model, config = fitted_on_2016_2017(synthetic_daily, settings)
    request = _winter_request(synthetic_daily, served_inputs, config, settings)
    day = 60
    forecast = model.predict(request)[day]
    # D - 1's whole consumption, and everything later, change nothing...
    future = request.copy()
    future.loc[day - 1 :, CONSUMPTION] *= 1.3
    future.loc[day:, CONSUMPTION_TO_ISSUE] *= 1.3
    assert model.predict(future)[day] == forecast
    # ... while D - 1 to 09:00 does, and so does the whole of D - 2.
    for column, row in ((CONSUMPTION_TO_ISSUE, day - 1), (CONSUMPTION, day - 2)):
        seen = request.copy()
        seen.loc[row, column] *= 1.03
        assert model.predict(seen)[day] != pytest.approx(forecast, rel=1e-6), column
    # A request as it stands at 09:00 on D - 1 gives the same forecast.
    cut = request.iloc[: day + 1].copy()
    cut.loc[day - 1 :, CONSUMPTION] = np.nan
    cut.loc[day:, CONSUMPTION_TO_ISSUE] = np.nan
    assert model.predict(cut)[day] == pytest.approx(forecast, rel=1e-12)


def test_the_adaptive_model_follows_a_level_shift_within_a_week(fitted) -> None:
    model, inputs, actual = fitted
    dates = pd.to_datetime(inputs["date"])
    shift = (dates >= "2018-03-01").to_numpy()
    shifted = np.where(shift, actual * 0.85, actual)
    adaptive = model.predict(inputs.assign(**{CONSUMPTION: shifted}))
    static = model.base_.predict(inputs)
    after_a_week = (dates >= "2018-03-08").to_numpy()

    def mape(forecast: np.ndarray) -> float:
        return float(
            np.mean(np.abs(forecast - shifted)[after_a_week] / shifted[after_a_week]) * 100
        )

    assert mape(static) > 12
    assert mape(adaptive) < 3


def test_a_shift_in_the_held_out_year_chooses_to_track(synthetic_daily) -> None:
    """The state noise is chosen on the training period's last year, forecast by a base
    fitted before it: consumption 8 % higher from its first day makes tracking (a state noise
    above 0) forecast that year better than the static model, and it is chosen."""
    dates = pd.to_datetime(synthetic_daily["date"])
    shifted = synthetic_daily.copy()
    later = (dates >= "2017-01-01").to_numpy()
    for column in (CONSUMPTION, CONSUMPTION_TO_ISSUE):
        shifted.loc[later, column] = shifted.loc[later, column] * 1.08
    settings = settings_with(state_noise=[0.0, 0.1])
    model, _ = fitted_on_2016_2017(shifted, settings)
    static, tracking = model.selection_mape_
    assert tracking < static / 2
    assert model.state_noise_ratio_ == 0.1


def test_consumption_lags_are_found_by_date() -> None:
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2021-01-01", periods=10).strftime("%Y-%m-%d"),
            CONSUMPTION: [1e6 + 1000 * i for i in range(9)] + [np.nan],
        }
    )
    lags = build_features(
        frame,
        ["log_consumption_lag_h", "log_consumption_lag_7", "log_consumption_mean_7"],
        FeatureSettings(horizon_days=2),
    )
    assert np.isnan(lags["log_consumption_lag_h"].iloc[1])
    assert lags["log_consumption_lag_h"].iloc[9] == pytest.approx(np.log(1.007e6))
    assert lags["log_consumption_lag_7"].iloc[9] == pytest.approx(np.log(1.002e6))
    expected_mean = np.mean(np.log(1e6 + 1000 * np.arange(1, 8)))
    assert lags["log_consumption_mean_7"].iloc[9] == pytest.approx(expected_mean)
    with pytest.raises(InputError, match=r"row 3: '-5' is not a consumption in MWh"):
        checked_consumption(pd.Series(["1500000", "", "1400000", "-5"]))
    # Ten times or a thousandth of a real day: a unit error, refused by the bounds featurize
    # applies (data.quality.daily_mwh_bounds); a day to the issue time only below the upper one.
    for shown in ("15,000,000", "1,500"):
        with pytest.raises(InputError, match=rf"row 1: {shown} MWh is outside data.quality"):
            checked_consumption(pd.Series(["1500000", shown.replace(",", "")]))
    to_nine = checked_consumption(pd.Series(["500000", "1500"]), column=CONSUMPTION_TO_ISSUE)
    assert to_nine.tolist() == [500000.0, 1500.0]


@pytest.mark.slow
def test_a_half_hour_ending_after_the_issue_time_changes_no_forecast(
    synthetic_exports, synthetic_daily, tmp_path
) -> None:
    """From the export on: the half-hour 09:00-09:30 of D-1 changes D-1's whole consumption but
    not the forecast for D issued at 09:00; the half-hour 08:30-09:00 changes it."""
    settings = settings_with(state_noise=[0.1])
    model, config = fitted_on_2016_2017(synthetic_daily, settings)
    consumption, temperature = synthetic_exports
    forecast_day = pd.Timestamp("2018-01-16")

    def forecast(export: Path) -> tuple[float, float]:
        daily = synthetic_table(export, temperature)
        dates = pd.to_datetime(daily["date"])
        days = daily[(dates >= "2017-10-01") & (dates <= forecast_day)].reset_index(drop=True)
        request = served_inputs(config, settings, days).assign(
            **{CONSUMPTION: days[CONSUMPTION].to_numpy()}
        )
        return float(model.predict(request)[-1]), float(days[CONSUMPTION].iloc[-2])

    def changed(half_hour: str) -> Path:
        stamp = f";{forecast_day - pd.Timedelta(days=1):%d/%m/%Y};{half_hour};"
        lines = consumption.read_text(encoding="utf-8").splitlines(keepends=True)
        (row,) = [i for i, line in enumerate(lines) if stamp in line]
        fields = lines[row].split(";")
        fields[8] = str(int(fields[8]) + 3000)
        lines[row] = ";".join(fields)
        path = tmp_path / f"{half_hour.replace(':', '')}.csv"
        path.write_text("".join(lines), encoding="utf-8")
        return path

    base, whole = forecast(consumption)
    after, whole_after = forecast(changed("09:00"))
    before, _ = forecast(changed("08:30"))
    assert whole_after == whole + 1500
    assert after == base
    assert before != pytest.approx(base, rel=1e-9)


def test_the_nowcast_reads_a_partial_day_by_its_weekday() -> None:
    # A day's share to the issue time differs by weekday (a Monday's morning follows a weekend):
    # its partial error is its whole error scaled and shifted by its weekday's own amounts.
    rng = np.random.default_rng(0)
    days = np.arange(17532, 17532 + 210)  # from Monday 2018-01-01
    log_error = rng.normal(0, 0.02, len(days))
    slope, shift = np.linspace(0.6, 1.4, 7), np.linspace(-0.3, 0.3, 7)
    weekday = pd.to_datetime(days, unit="D").day_of_week.to_numpy()
    partial_error = log_error * slope[weekday] + shift[weekday]
    inputs = nowcast_inputs(days, log_error, partial_error)
    rows = np.isfinite(inputs).all(axis=1)
    assert rows.sum() == len(days) - NOWCAST_LAGS.max()
    coef = np.linalg.lstsq(inputs[rows], log_error[rows], rcond=None)[0]
    np.testing.assert_allclose(inputs[rows] @ coef, log_error[rows], atol=1e-10)
    # Only Monday's columns carry a Monday.
    assert inputs[0, :14].nonzero()[0].tolist() == [0, 7]
