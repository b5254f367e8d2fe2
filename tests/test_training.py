"""Cross-validation folds and the choice of the promoted family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from energy_forecast.errors import InputError
from energy_forecast.families import family
from energy_forecast.features import history_days
from energy_forecast.metrics import scores
from energy_forecast.model import make_model
from energy_forecast.training import cross_validate, folds, preceded, promoted_family


def test_every_fold_trains_on_at_least_min_train_days() -> None:
    params = {"cv": {"folds": 3, "min_train_days": 365}}
    splits = list(folds(params, 731).split(range(731)))
    assert [len(train) for train, _ in splits] == [365, 487, 609]
    assert [len(valid) for _, valid in splits] == [122, 122, 122]
    assert all(train.max() < valid.min() for train, valid in splits)
    with pytest.raises(InputError, match=r"cv\.min_train_days"):
        folds({"cv": {"folds": 3, "min_train_days": 730}}, 731)


def test_promotion_by_name_or_by_cv() -> None:
    cv = {"knn": {"rmse": 3.0, "mape": 1.0}, "ridge": {"rmse": 2.0, "mape": 2.0}}
    params = {"families": dict.fromkeys(cv), "model": "auto", "select": {"metric": "rmse"}}
    assert promoted_family(params, cv) == "ridge"
    assert promoted_family(params | {"select": {"metric": "mape"}}, cv) == "knn"
    assert promoted_family(params | {"model": "knn"}, cv) == "knn"
    with pytest.raises(InputError, match="model: expected 'auto' or a trained family"):
        promoted_family(params | {"model": "prophet"}, cv)


def test_validation_days_are_forecast_with_the_weather_before_them() -> None:
    """CV predicts each fold as the full-period pipeline does, preceding days included."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2016-01-01", periods=500)
    t = 12 + 8 * np.sin(2 * np.pi * np.arange(500) / 365) + rng.normal(0, 3, 500)
    X = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "wavg_mean_temperature": t})
    y = 1.2e6 + 6e4 * np.maximum(0, 15 - pd.Series(t).ewm(halflife=5).mean().to_numpy())
    model = make_model(
        ["slow_smoothed_temperature", "slow_heating_degrees"], {}, family("ridge").estimator()
    )
    splitter = folds({"cv": {"folds": 2, "min_train_days": 300}}, 500)
    expected = []
    for train_idx, valid_idx in splitter.split(X):
        whole = clone(model).fit(X.iloc[train_idx], y[train_idx]).predict(X)
        expected.append(scores(y[valid_idx], whole[valid_idx])["rmse"])
    history = history_days({})
    assert history == 27
    assert cross_validate(model, X, y, splitter, history)["cv_rmse"] == pytest.approx(
        np.mean(expected), rel=1e-9
    )
    assert cross_validate(model, X, y, splitter)["cv_rmse"] != pytest.approx(np.mean(expected))


def test_preceded_adds_the_days_before_a_period() -> None:
    daily = pd.DataFrame({"date": pd.date_range("2018-01-01", "2018-03-31")})
    test = daily[daily["date"] >= "2018-03-01"]
    window = preceded(daily, test, 27)
    assert window["date"].iloc[0] == pd.Timestamp("2018-02-02")
    assert window["date"].iloc[-1] == pd.Timestamp("2018-03-31") and len(window) == 31 + 27
