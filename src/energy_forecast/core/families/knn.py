"""K nearest neighbours, as the article ran it (unscaled unless the grid says `scale`)."""

from __future__ import annotations

from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

TRUSTED_TYPES: list[str] = [
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
]


def estimator(scale: bool = False, **settings) -> KNeighborsRegressor | Pipeline:
    model = KNeighborsRegressor(**settings)
    return make_pipeline(StandardScaler(), model) if scale else model
