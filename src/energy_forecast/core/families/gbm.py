"""Histogram gradient boosting on the engineered load features, alone or on a ridge baseline.

Trees approximate the linear response of consumption to heating degrees only in steps, and
with two years of data they extrapolate it badly to a colder day than any they saw. With
`baseline: ridge` the linear model carries that response and the trees fit what it leaves;
the search chooses between the two by cross-validation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, column_or_1d

from energy_forecast.core.families import ridge

TRUSTED_TYPES: list[str] = [
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "energy_forecast.core.families.gbm.ResidualBoosting",
    *ridge.TRUSTED_TYPES,
]
BASELINES = ("none", "ridge")


class ResidualBoosting(RegressorMixin, BaseEstimator):
    """`booster` fitted on the residuals of `baseline`, itself fitted on the target."""

    # Each of the two estimators checks its own parameters when it is fitted.
    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "booster": [HasMethods(["fit", "predict"])],
        "baseline": [HasMethods(["fit", "predict"])],
    }

    def __init__(self, booster: BaseEstimator, *, baseline: BaseEstimator) -> None:
        self.baseline = baseline
        self.booster = booster

    def fit(self, X: Any, y: Any) -> ResidualBoosting:
        self._validate_params()
        # X goes to the baseline untouched: a model's first step may select columns by name.
        if y is None:
            raise ValueError("requires y to be passed, but the target y is None")
        y = column_or_1d(y, warn=True).astype(float)
        self.baseline_ = clone(self.baseline).fit(X, y)
        self.booster_ = clone(self.booster).fit(X, y - self.baseline_.predict(X))
        self.n_features_in_ = self.baseline_.n_features_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.baseline_.predict(X) + self.booster_.predict(X)


def estimator(
    baseline: str = "none", baseline_alpha: float = 1.0, **settings: Any
) -> HistGradientBoostingRegressor | ResidualBoosting:
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {list(BASELINES)}, got {baseline!r}")
    booster = HistGradientBoostingRegressor(**settings)
    if baseline == "none":
        return booster
    return ResidualBoosting(booster, baseline=ridge.estimator(alpha=baseline_alpha))
