"""Bands calibrated on errors made with weather forecasts, as every served forecast is made."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ridge
from conftest import settings_with_sections as settings_with

from energy_forecast.core.errors import InputError
from energy_forecast.core.features import CONSUMPTION, history_days
from energy_forecast.core.inputs import TEMPERATURE_COLUMNS
from energy_forecast.data.weather_forecasts import calibration_weather
from energy_forecast.issuing import (
    Issue,
    interleaved_requests,
    requests_as_issued,
    simulated_temperatures,
)
from energy_forecast.modeling.training import (
    forecast_description,
    refit,
    served_model,
    served_request,
)


def training_days(daily: pd.DataFrame, before: str = "2017-07-01") -> pd.DataFrame:
    return daily[pd.to_datetime(daily["date"]) < before].reset_index(drop=True)


def observed(days: pd.DataFrame) -> pd.DataFrame:
    return days[TEMPERATURE_COLUMNS].set_axis(pd.DatetimeIndex(pd.to_datetime(days["date"])))


@pytest.mark.slow
def test_the_error_model_forecasts_only_the_forecast_days_with_errors_growing_with_lead(
    synthetic_daily,
) -> None:
    temperatures = observed(synthetic_daily)
    days = temperatures.index[400:1400]
    errors = {0: [], 1: []}
    for day in days:
        issue = Issue(day, 1, "09:00")
        forecast = simulated_temperatures(temperatures, issue, 0.7)
        assert list(forecast.index) == [day - pd.Timedelta(days=1), day]
        error = forecast - temperatures.loc[forecast.index]
        # One error per day, shared by the six temperature columns.
        np.testing.assert_allclose(error.to_numpy().std(axis=1), 0, atol=1e-9)
        errors[0].append(error.iloc[0, 0])
        errors[1].append(error.iloc[1, 0])
    # 1,000 draws: the standard deviation is within 3 standard errors (2.2 %) of the model's.
    assert np.std(errors[1]) == pytest.approx(0.7, rel=0.07)
    assert np.std(errors[0]) == pytest.approx(0.5, rel=0.07)
    again = simulated_temperatures(temperatures, Issue(days[0], 1, "09:00"), 0.7)
    assert again.iloc[1, 0] - temperatures.loc[days[0]].iloc[0] == errors[1][0]


@pytest.mark.slow
def test_interleaved_requests_answer_each_day_as_a_request_of_its_own(synthetic_daily) -> None:
    """Request r answers every 28th day; each answered day's forecast equals the one a request
    of its own (its warm-up, then the day, as issued) gets: the static part exactly, as no
    other day's forecast temperatures reach into its look-back."""
    settings = settings_with(adapt={"method": "none"})
    train = training_days(synthetic_daily)
    config = ridge(settings)
    model, _, _ = refit(config, train, settings, None)
    weather = calibration_weather(settings, train, None)
    first = pd.Timestamp(train["date"].iloc[-60])
    look_back = history_days(settings.feature_settings)
    pairs = list(interleaved_requests(train, first, settings.forecast, 90, look_back, weather))
    assert len(pairs) == look_back + 1
    answered = np.concatenate([rows for _, rows in pairs])
    assert sorted(answered) == list(range(len(pairs[0][0]) - 60, len(pairs[0][0])))
    alone = [
        model.predict(served_request(config, settings, days))[-1]
        for days in requests_as_issued(train, first, settings.forecast, 90, weather)
    ]
    together = {}
    for days, rows in pairs:
        predicted = model.predict(served_request(config, settings, days))
        together |= dict(zip(days["date"].iloc[rows], predicted[rows], strict=True))
    np.testing.assert_allclose([together[d] for d in sorted(together)], alone, rtol=1e-12)


@pytest.mark.slow
def test_bands_calibrated_with_forecast_weather_are_wider(synthetic_daily) -> None:
    train = training_days(synthetic_daily)
    widths = {}
    for weather in ("observed", "simulated"):
        settings = settings_with(intervals={"weather": weather})
        chosen = calibration_weather(settings, train, None)
        model, _, _ = refit(ridge(settings), train, settings, chosen)
        widths[weather] = {lv: np.diff(b)[0] for lv, b in model.calibration_bands().items()}
    for level in (0.8, 0.95):
        assert widths["simulated"][level] > 1.1 * widths["observed"][level]


@pytest.mark.slow
def test_each_calibration_day_must_be_answered_once(synthetic_daily) -> None:
    settings = settings_with(adapt={"method": "none"})
    train = training_days(synthetic_daily)
    config = ridge(settings)
    inputs = served_request(config, settings, train)
    last = np.arange(len(train) - 365, len(train))
    y = train[CONSUMPTION].to_numpy()
    for requests, message in (
        ([(inputs, last), (inputs, last[:1])], "answered once"),
        ([(inputs, last[1:])], "1 calibration days unanswered"),
    ):
        with pytest.raises(ValueError, match=message):
            served_model(config, settings).fit(inputs, y, calibration_requests=requests)


def test_the_error_model_is_refused_beyond_two_days_ahead() -> None:
    with pytest.raises(InputError, match=r"intervals\.weather: simulated models weather forecasts"):
        settings_with(forecast={"horizon_days": 3, "issue_time": None})
    settings_with(
        forecast={"horizon_days": 3, "issue_time": None}, intervals={"weather": "observed"}
    )


def test_the_served_model_says_which_weather_calibrated_its_bands() -> None:
    described = forecast_description(settings_with())
    assert described["bands"] == {"weather": "simulated", "weather_error": 0.7}
    described = forecast_description(settings_with(intervals={"weather": "forecast"}))
    assert described["bands"] == {"weather": "forecast"}


def test_forecast_weather_needs_the_archive(synthetic_daily) -> None:
    settings = settings_with(intervals={"weather": "forecast"})
    with pytest.raises(InputError, match=r"intervals\.weather: forecast calibrates the bands"):
        calibration_weather(settings, training_days(synthetic_daily), None)


@pytest.mark.slow
def test_a_request_s_observed_errors_keep_the_band_of_forecasts_as_issued(synthetic_daily) -> None:
    """A request's days carry observed temperatures: tracked on their errors alone, the band
    would shrink to the observed weather's within weeks. Each gets a calibration day's weather
    error, and after 120 days the band is still that of forecasts made with weather forecasts."""
    train = training_days(synthetic_daily)
    dates = pd.to_datetime(synthetic_daily["date"])
    later = synthetic_daily[(dates >= "2017-07-01") & (dates < "2017-10-29")]
    width = {}
    for weather in ("observed", "simulated"):
        settings = settings_with(intervals={"weather": weather})
        config = ridge(settings)
        chosen = calibration_weather(settings, train, None)
        model, _, _ = refit(config, train, settings, chosen)
        request = served_request(config, settings, later.reset_index(drop=True))
        last = model.predict_intervals(request).iloc[-1]
        width[weather] = last["upper_80"] - last["lower_80"]
        if weather == "simulated":
            assert len(model.weather_errors_) == len(model.calibration_errors_)
            model.weather_errors_ = np.zeros(0)
            last = model.predict_intervals(request).iloc[-1]
            width["simulated, untold"] = last["upper_80"] - last["lower_80"]
    assert width["simulated"] > 1.1 * width["observed"]
    assert width["simulated"] > 1.1 * width["simulated, untold"]
