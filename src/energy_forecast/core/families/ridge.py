"""Ridge regression on the engineered features, optionally on log consumption.

`weekday` enters as one indicator per day (its levels are not ordered), everything else
standardised, so the penalty treats features alike. On log consumption the effects are
multiplicative, as French load forecasters model weekday and holiday effects.
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

TRUSTED_TYPES: list[str] = [
    "sklearn.compose._column_transformer.make_column_selector",
    "numpy.log",
    "numpy.exp",
]
CATEGORICAL = ["weekday"]


def estimator(
    alpha: float = 1.0, log_target: bool = False
) -> Pipeline | TransformedTargetRegressor:
    encode = ColumnTransformer(
        [
            ("days", OneHotEncoder(drop="first"), make_column_selector(pattern="^weekday$")),
            ("rest", StandardScaler(), make_column_selector(pattern="^(?!weekday$)")),
        ]
    )
    model = make_pipeline(encode, Ridge(alpha=alpha))
    if log_target:
        return TransformedTargetRegressor(model, func=np.log, inverse_func=np.exp)
    return model
