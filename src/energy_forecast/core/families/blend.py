"""The geometric mean of gradient boosting on a ridge baseline and a ridge on log consumption.

Two models of different shapes err differently: the trees follow what the calendar and the
weather do together, the log-linear ridge keeps proportional effects and extrapolates: the
geometric mean of two such errors is smaller than either when they do not move together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from energy_forecast.core.families import gbm, ridge

TRUSTED_TYPES: list[str] = ["energy_forecast.core.families.blend.GeometricMean", *gbm.TRUSTED_TYPES]


class GeometricMean(RegressorMixin, BaseEstimator):
    """Each of `estimators` fitted on the target; the forecast is their geometric mean."""

    # Each estimator checks its own parameters when it is fitted.
    _parameter_constraints: dict = {"estimators": [list, tuple]}  # noqa: RUF012

    def __init__(self, estimators: Sequence[BaseEstimator] = ()) -> None:
        self.estimators = estimators

    def fit(self, X: Any, y: Any) -> GeometricMean:
        self._validate_params()
        if not self.estimators or not all(
            hasattr(e, "fit") and hasattr(e, "predict") for e in self.estimators
        ):
            raise ValueError(
                f"estimators: expected at least one estimator with fit and predict, got "
                f"{self.estimators!r}"
            )
        self.estimators_ = [clone(e).fit(X, y) for e in self.estimators]
        self.n_features_in_ = self.estimators_[0].n_features_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        logs = [np.log(np.asarray(e.predict(X), dtype=float)) for e in self.estimators_]
        return np.exp(np.mean(logs, axis=0))


def estimator(ridge_alpha: float = 1.0, **boosting: Any) -> GeometricMean:
    """`boosting` are the gbm family's settings (its `baseline` included)."""
    return GeometricMean(
        [gbm.estimator(**boosting), ridge.estimator(alpha=ridge_alpha, log_target=True)]
    )
