"""Forecast intervals: calibrated out of sample, following the errors a request shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import PARAMS, ridge
from conftest import settings_with_sections as settings_with
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge

from energy_forecast.core.adaptation import KalmanAdaptive
from energy_forecast.core.errors import InputError
from energy_forecast.core.features import CONSUMPTION, FeatureBuilder
from energy_forecast.core.intervals import (
    PINBALL_QUANTILES,
    ConformalQuantiles,
    conformal_quantiles,
    interval_columns,
)
from energy_forecast.core.served import make_model
from energy_forecast.core.settings import FeatureSettings
from energy_forecast.modeling.training import served_inputs, served_model
from energy_forecast.runtime.settings import parse


def fitted(daily: pd.DataFrame, settings, before: str = "2017-01-01"):
    config = ridge(settings)
    train = daily[pd.to_datetime(daily["date"]) < before].reset_index(drop=True)
    inputs = served_inputs(config, settings, train)
    model = served_model(config, settings).fit(inputs, train[CONSUMPTION].to_numpy())
    return model, config, inputs, train


@pytest.mark.parametrize("levels", [[0.0, 0.8], [0.8, 1.0], [0.8, 1.5], [0.8, 0.8], [-0.2]])
def test_bad_levels_are_refused_by_name(levels) -> None:
    with pytest.raises(InputError) as caught:
        parse(PARAMS | {"forecast": PARAMS["forecast"] | {"interval_levels": levels}})
    message = str(caught.value)
    assert message.startswith("params.yaml: forecast.interval_levels: expected distinct")
    assert str(levels) in message


def test_the_bands_are_calibrated_on_training_days_out_of_sample(synthetic_daily) -> None:
    settings = settings_with(adapt={"method": "none"})
    model, config, inputs, train = fitted(synthetic_daily, settings)
    y = train[CONSUMPTION].to_numpy()
    first = len(train) - 365
    copy = clone(served_model(config, settings).forecaster).fit(inputs.iloc[:first], y[:first])
    # Each calibration day is forecast with the weather of the days before it, as served.
    expected = np.log(y[first:]) - np.log(copy.predict(inputs)[first:])
    np.testing.assert_allclose(model.calibration_errors_, expected, rtol=1e-12)
    assert interval_columns([0.8, 0.95]) == ["lower_80", "upper_80", "lower_95", "upper_95"]


class CountedRidge(Ridge):
    """A ridge that records the number of days of each fit."""

    fits: list[int] = []  # noqa: RUF012 (shared by the clones a fit makes)

    def fit(self, X, y, sample_weight=None):
        CountedRidge.fits.append(len(X))
        return super().fit(X, y, sample_weight)


@pytest.mark.parametrize(("calibration_days", "fits"), [(365, 2), (200, 4)])
def test_an_adapting_model_lends_its_held_out_errors_to_the_bands(
    synthetic_daily, calibration_days: int, fits: int
) -> None:
    settings = parse(PARAMS)
    features = list(settings.features.sets["load"])
    train = synthetic_daily[pd.to_datetime(synthetic_daily["date"]) < "2018-01-01"]
    config = ridge(settings)
    inputs = served_inputs(config, settings, train)
    adaptive = KalmanAdaptive(
        make_model(features, settings.feature_settings, CountedRidge()),
        features=list(settings.features.sets["dayahead"]),
        settings=settings.feature_settings.for_model(),
        state_noise=[0.0, 0.01, 0.1],
        selection_days=365,
    )
    model = ConformalQuantiles(adaptive, calibration_days=calibration_days)
    CountedRidge.fits.clear()
    model.fit(inputs, train[CONSUMPTION].to_numpy())
    forecaster = model.forecaster_
    held_out = forecaster.held_out_errors_
    # The errors the state noise was chosen by: of a base fitted on the days before them.
    chosen = forecaster.selection_mape_.index(min(forecaster.selection_mape_))
    assert forecaster.state_noise_ratio_ == [0.0, 0.01, 0.1][chosen]
    assert np.mean(np.abs(np.expm1(-held_out))) == pytest.approx(min(forecaster.selection_mape_))
    assert CountedRidge.fits[:2] == [len(train) - 365, len(train)]
    # As many days as the calibration asks for: no copy is fitted; otherwise one is.
    assert len(CountedRidge.fits) == fits
    if fits == 2:
        np.testing.assert_array_equal(model.calibration_errors_, held_out)
    else:
        assert len(model.calibration_errors_) == calibration_days


def test_the_calibrated_quantiles_are_split_conformal_ranks() -> None:
    errors = np.array([0.3, -0.1, 0.5, 0.0, 0.2, -0.4, 0.1, 0.4, -0.2])  # n = 9, shuffled
    taus = np.array([0.05, 0.1, 0.2, 0.5, 0.8, 0.9, 0.95])
    # Above the median the ceil((n + 1) tau)-th smallest, below it the floor(...)-th: a
    # 90 % band of 9 errors spans all of them, where interpolation would cut inside.
    expected = [-0.4, -0.4, -0.2, 0.1, 0.4, 0.5, 0.5]
    np.testing.assert_array_equal(conformal_quantiles(errors, taus), expected)
    assert conformal_quantiles(errors, np.array([0.9]))[0] > np.quantile(errors, 0.9)


def test_a_tracking_band_starts_where_the_calibration_errors_left_it(synthetic_daily) -> None:
    config = ridge(settings_with())
    train = synthetic_daily[pd.to_datetime(synthetic_daily["date"]) < "2017-01-01"]
    inputs = served_inputs(config, settings_with(), train)
    # The calibration year's last 120 days miss by 4 % more, one way then the other.
    y = train[CONSUMPTION].to_numpy() * np.exp(
        np.r_[np.zeros(len(train) - 120), [0.04, -0.04] * 60]
    )
    bands = {}
    for method in ("split", "tracking"):
        settings = settings_with(adapt={"method": "none"}, intervals={"method": method})
        model = served_model(config, settings).fit(inputs, y)
        bands[method] = model.initial_quantiles_
        expected = conformal_quantiles(model.calibration_errors_, model.taus_)
        if method == "tracking":
            for error in model.calibration_errors_:
                expected = expected + model.step_ * (model.taus_ - (error <= expected))
        np.testing.assert_allclose(model.initial_quantiles_, np.sort(expected))
        # A request without consumption gets the band the calibration left.
        request = inputs.tail(3).drop(columns=CONSUMPTION, errors="ignore")
        first = model.bands(*model.predict_quantiles(request)).iloc[0]
        assert first["upper_80"] == pytest.approx(first[CONSUMPTION] * np.exp(expected[-2]))
    # The recent wider errors widen the tracking band beyond the split-conformal one.
    split, tracking = bands["split"], bands["tracking"]
    assert tracking[-1] - tracking[0] > split[-1] - split[0]


def test_bands_cover_about_their_level_on_a_later_year(synthetic_daily) -> None:
    settings = settings_with(adapt={"method": "none"}, intervals={"method": "split"})
    model, config, _, _ = fitted(synthetic_daily, settings)
    dates = pd.to_datetime(synthetic_daily["date"])
    later = synthetic_daily[(dates >= "2016-11-01") & (dates <= "2017-12-31")]
    bands = model.predict_intervals(served_inputs(config, settings, later))
    kept = (pd.to_datetime(later["date"]) >= "2017-01-01").to_numpy()
    actual = later[CONSUMPTION].to_numpy()[kept]
    for level, name in ((0.8, "80"), (0.95, "95")):
        lower, upper = bands[f"lower_{name}"][kept], bands[f"upper_{name}"][kept]
        coverage = np.mean((actual >= lower) & (actual <= upper))
        assert abs(coverage - level) < 0.06, (level, coverage)
    assert (bands["lower_95"] < bands["lower_80"]).all()
    assert (bands["lower_80"] < bands[CONSUMPTION]).all()
    assert (bands[CONSUMPTION] < bands["upper_80"]).all()
    assert (bands["upper_80"] < bands["upper_95"]).all()


def test_a_band_for_d_sees_errors_of_whole_days_known_and_none_from_training(
    synthetic_daily,
) -> None:
    settings = settings_with(adapt={"method": "none"})
    # Issued at 09:00 on D-1: the last whole day known is D-2.
    lag = settings.feature_settings.complete_lag_days
    assert lag == 2
    model, config, _, _ = fitted(synthetic_daily, settings)
    dates = pd.to_datetime(synthetic_daily["date"])
    window = synthetic_daily[(dates >= "2016-10-01") & (dates <= "2017-02-28")]
    request = served_inputs(config, settings, window).assign(
        **{CONSUMPTION: window[CONSUMPTION].to_numpy()}
    )
    day = 130  # in February 2017
    base = model.predict_intervals(request).iloc[day]
    later = request.copy()
    later.loc[day - lag + 1 :, CONSUMPTION] *= 1.3
    assert model.predict_intervals(later).iloc[day].equals(base)
    earlier = request.copy()
    earlier.loc[day - lag, CONSUMPTION] *= 1.3
    assert model.predict_intervals(earlier).iloc[day]["upper_80"] > base["upper_80"]
    # Errors on the days it was fitted on are in-sample: they move no band.
    training = request.copy()
    training.loc[:80, CONSUMPTION] *= 1.3
    assert model.predict_intervals(training).iloc[day].equals(base)


def test_after_a_level_shift_tracked_bands_cover_what_fixed_ones_miss(synthetic_daily) -> None:
    settings = settings_with(adapt={"method": "none"})
    model, config, _, _ = fitted(synthetic_daily, settings)
    dates = pd.to_datetime(synthetic_daily["date"])
    window = synthetic_daily[(dates >= "2016-10-01") & (dates <= "2017-06-30")]
    shifted = window[CONSUMPTION].to_numpy() * np.where(
        pd.to_datetime(window["date"]) >= "2017-03-01", 0.95, 1.0
    )
    request = served_inputs(config, settings, window).assign(**{CONSUMPTION: shifted})
    tracked = model.predict_intervals(request)
    fixed = model.predict_intervals(request.drop(columns=CONSUMPTION))
    after = (pd.to_datetime(window["date"]) >= "2017-04-01").to_numpy()

    def coverage(bands: pd.DataFrame) -> float:
        inside = (shifted >= bands["lower_80"]) & (shifted <= bands["upper_80"])
        return float(np.mean(inside[after]))

    assert coverage(fixed) < 0.3
    assert coverage(tracked) > 0.6


def test_the_pinball_score_of_a_forecaster_that_never_missed_is_half_the_error() -> None:
    """Calibrated on errors that are all 0, every quantile 0.01..0.99 is the forecast itself:
    a day above it by e costs tau * e at each quantile, 0.5 * e on average (GEFCom2014)."""
    days = pd.DataFrame({"date": pd.date_range("2017-01-01", periods=60).strftime("%Y-%m-%d")})
    model = ConformalQuantiles(DummyRegressor(), method="split", calibration_days=30)
    model.fit(days, np.full(60, 1.0e6))
    point = model.predict(days.head(3))
    assert point.tolist() == [1.0e6] * 3
    actual = np.array([1.0e6 + 1000, 1.0e6 - 400, 1.0e6])
    assert len(PINBALL_QUANTILES) == 99
    np.testing.assert_allclose(model.pinball_loss(days.head(3), point, actual), [500, 200, 0])


@pytest.mark.parametrize(
    ("estimator", "message"),
    [
        (lambda base: ConformalQuantiles(base, method="trackng"), "'method' parameter"),
        (lambda base: ConformalQuantiles(base, learning_rate=0), "'learning_rate' parameter"),
        (lambda base: ConformalQuantiles(base, levels=[0.8, 1.0]), "levels: expected"),
        (lambda base: KalmanAdaptive(base, observation_noise="aut"), "'observation_noise'"),
        (lambda base: KalmanAdaptive(base, selection_days=0), "'selection_days' parameter"),
        (lambda base: FeatureBuilder(["weekday", "wekday"]), "features: unknown ['wekday']"),
    ],
)
def test_the_served_wrappers_refuse_a_bad_parameter_by_name(estimator, message) -> None:
    base = make_model(["weekday"], FeatureSettings(), Ridge())
    frame = pd.DataFrame({"date": pd.date_range("2017-01-01", periods=30).strftime("%Y-%m-%d")})
    with pytest.raises(ValueError) as caught:
        estimator(base).fit(frame, np.full(30, 1.0e6))
    assert message in str(caught.value)
