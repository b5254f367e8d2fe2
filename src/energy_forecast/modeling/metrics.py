"""Forecast errors in the units users quote: MWh per day, and percent for MAPE."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score


def scores(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    return {
        "rmse": float(np.sqrt(mean_squared_error(actual, predicted))),
        "mae": float(mean_absolute_error(actual, predicted)),
        "mape": float(100 * np.mean(np.abs(predicted - actual) / np.abs(actual))),
        "r2": float(r2_score(actual, predicted)),
    }


def percent_errors(forecast: pd.Series, actual: pd.Series) -> pd.Series:
    """The absolute error of each forecast, in % of the actual."""
    return (forecast - actual).abs() / actual * 100
