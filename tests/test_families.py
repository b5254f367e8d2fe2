"""Model families as scikit-learn estimators, on data whose generating effects are known."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import check_estimator

from energy_forecast.core.families import family
from energy_forecast.core.families.gbm import ResidualBoosting
from energy_forecast.core.families.ptg import BoundWarning, PTGRegressor
from energy_forecast.core.features import required_inputs
from energy_forecast.core.served import make_model
from energy_forecast.modeling.saving import request_frame
from energy_forecast.runtime.settings import FeatureSettings
from energy_forecast.synthetic.constants import CONSTANTS


def test_ptg_passes_scikit_learn_checks() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(PTGRegressor(), on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []


def test_residual_boosting_passes_scikit_learn_checks() -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge

    estimator = ResidualBoosting(HistGradientBoostingRegressor(max_iter=10), baseline=Ridge())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []


def test_gbm_on_a_ridge_baseline_keeps_the_linear_response_beyond_the_data() -> None:
    """Trees alone stay flat past the coldest day they saw; on a ridge baseline they do not."""
    rng = np.random.default_rng(0)
    degrees = rng.uniform(0, 15, 600)
    weekend = (np.arange(600) % 7 >= 5).astype(float)
    X = pd.DataFrame({"heating_degrees": degrees, "weekend": weekend})
    y = 1.1e6 + 6e4 * degrees - 1.5e5 * weekend * (degrees > 5)
    colder = pd.DataFrame({"heating_degrees": [20.0], "weekend": [0.0]})
    truth = 1.1e6 + 6e4 * 20
    settings = {"learning_rate": 0.1, "max_iter": 100, "random_state": 0}
    trees = family("gbm").estimator(**settings).fit(X, y)
    boosted = family("gbm").estimator(baseline="ridge", **settings).fit(X, y)
    assert abs(boosted.predict(colder)[0] - truth) < 0.5 * abs(trees.predict(colder)[0] - truth)
    assert boosted.predict(X) == pytest.approx(
        boosted.baseline_.predict(X) + boosted.booster_.predict(X)
    )
    assert boosted.get_params()["booster__learning_rate"] == 0.1
    with pytest.raises(ValueError, match="baseline must be one of"):
        family("gbm").estimator(baseline="linear")


def test_ptg_day_effects_are_additive() -> None:
    rng = np.random.default_rng(0)
    t = rng.uniform(-5, 30, 700)
    sunday = (np.arange(700) % 7 == 6).astype(float)
    y = 1_100_000 + 57_000 * np.maximum(0.0, 15.0 - t) - 150_000 * sunday
    model = PTGRegressor().fit(np.column_stack([t, sunday]), y)
    assert model.effects_[0] == pytest.approx(-150_000, rel=1e-3)
    assert model.threshold_ == pytest.approx(15.0, abs=0.05)


def test_ptg_recovers_a_change_point_and_warns_on_bounds() -> None:
    t = np.linspace(-5, 30, 400)
    y = 1_100_000 + 57_000 * np.maximum(0.0, 15.0 - t)
    model = PTGRegressor(base_bounds=(5e5, 2e6), slope_bounds=(0, 2e5), threshold_bounds=(5, 25))
    model.fit(t[:, None], y)
    assert model.threshold_ == pytest.approx(15.0, abs=0.05)
    assert model.slope_ == pytest.approx(57_000, rel=1e-3)
    with pytest.warns(BoundWarning, match="threshold"):
        PTGRegressor(threshold_bounds=(5, 12)).fit(t[:, None], y)


def test_a_clock_change_day_is_forecast_at_its_length() -> None:
    """The same mean power every day: 23 and 25 hours of it on the clock-change days, which no
    feature says."""
    dates = pd.date_range("2016-01-01", "2017-12-31")
    hours = np.where(dates.isin(pd.to_datetime(["2016-03-27", "2017-03-26"])), 23, 24)
    hours = np.where(dates.isin(pd.to_datetime(["2016-10-30", "2017-10-29"])), 25, hours)
    inputs = pd.DataFrame({"date": dates.strftime("%Y-%m-%d")})
    y = 50_000.0 * hours
    model = make_model(["weekday"], FeatureSettings(), family("ridge").estimator(alpha=1.0))
    np.testing.assert_allclose(model.fit(inputs, y).predict(inputs), y, rtol=1e-9)
    # Until 1995 France's summer time ended on the last Sunday of September (24 Sept 1995),
    # not October's: the day's length comes from the time zone's rules, not a month.
    older = pd.DataFrame({"date": ["1995-09-24", "1995-10-29", "1995-03-26"]})
    np.testing.assert_allclose(
        model.predict(older) / model.predict(older.assign(date="1995-09-27")), [25 / 24, 1, 23 / 24]
    )


def test_ridge_recovers_the_generators_gradient_and_weekday_levels(synthetic_daily) -> None:
    truth = CONSTANTS["load"]
    settings = FeatureSettings(
        heating_threshold=truth["heating_threshold"],
        cooling_threshold=truth["cooling_threshold"],
    )
    features = [
        "weekday",
        "is_holiday",
        "is_bridge",
        "is_year_end",
        "summer_holiday",
        "heating_degrees",
        "cooling_degrees",
        "trend",
    ]
    y = synthetic_daily["consumption_mwh"].to_numpy()
    inputs = request_frame(synthetic_daily, required_inputs(features))

    linear = make_model(features, settings, family("ridge").estimator(alpha=1e-6)).fit(inputs, y)
    ridge = linear.estimator_.named_steps["model"]
    names = list(ridge[0].get_feature_names_out())
    scale = dict(
        zip(
            ridge[0].named_transformers_["rest"].feature_names_in_,
            ridge[0].named_transformers_["rest"].scale_,
            strict=True,
        )
    )
    heating = ridge[-1].coef_[names.index("rest__heating_degrees")] / scale["heating_degrees"]
    # MWh per day per degree: the generator's MW gradient over 24 h, scaled by the mean level.
    expected = truth["heating_mw_per_degree"] * 24
    assert heating == pytest.approx(expected, rel=0.10)

    logged = make_model(
        features, settings, family("ridge").estimator(alpha=1e-6, log_target=True)
    ).fit(inputs, y)
    inner = logged.estimator_.named_steps["model"].regressor_
    names = list(inner[0].get_feature_names_out())
    levels = truth["weekday_level"]
    for day, name in enumerate(["tue", "wed", "thu", "fri", "sat", "sun"], start=1):
        ratio = np.exp(inner[-1].coef_[names.index(f"days__weekday_{day}")])
        expected_ratio = levels[name] / levels["mon"]
        assert ratio - 1 == pytest.approx(
            expected_ratio - 1, abs=0.10 * abs(expected_ratio - 1) + 0.002
        ), name
