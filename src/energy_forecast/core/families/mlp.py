"""Multi-layer perceptron, as the article ran it (unscaled unless the grid says `scale`)."""

from __future__ import annotations

from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

TRUSTED_TYPES: list[str] = []


def estimator(scale: bool = False, **settings) -> MLPRegressor | Pipeline:
    model = MLPRegressor(**settings)
    return make_pipeline(StandardScaler(), model) if scale else model
