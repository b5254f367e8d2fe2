"""Histogram gradient boosting on the engineered load features."""

from __future__ import annotations

from sklearn.ensemble import HistGradientBoostingRegressor

TRUSTED_TYPES: list[str] = [
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]


def estimator(**settings) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(**settings)
