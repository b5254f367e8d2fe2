"""PTG: the article's piecewise-linear temperature model, as a scikit-learn estimator.

Consumption falls linearly as the temperature (first column) drops below a heating threshold
and is flat above it, optionally rising again above a cooling threshold:

    y = base + slope * max(0, threshold - T) + cooling_slope * max(0, T - cooling_threshold)
        + effects . X[:, 1:]

fitted by bounded least squares. With one column it is the article's model; further columns
(Saturday, Sunday, holiday, bridge ... indicators) add day effects. The article's fit ran
into its own bounds without saying so; this one warns with `BoundWarning` when a fitted
value sits on a bound.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy.optimize import least_squares
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

TRUSTED_TYPES = ["energy_forecast.core.families.ptg.PTGRegressor"]
_NAMES = ("base", "slope", "threshold", "cooling_slope", "cooling_threshold")


class BoundWarning(UserWarning):
    """A fitted PTG value sits on a bound from params: widen the bound or doubt the fit."""


def _bounds(given: Sequence[float] | None, default: tuple[float, float]) -> tuple[float, float]:
    low, high = default if given is None else (float(given[0]), float(given[1]))
    if low > high:
        raise ValueError(f"bounds must be (low, high), got {given}")
    return low, high


class PTGRegressor(RegressorMixin, BaseEstimator):
    """Change-point regression of consumption on temperature."""

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "base_bounds": ["array-like", None],
        "slope_bounds": ["array-like", None],
        "threshold_bounds": ["array-like", None],
        "cooling_slope_bounds": ["array-like", None],
        "cooling_threshold_bounds": ["array-like", None],
    }

    def __init__(
        self,
        base_bounds: Sequence[float] | None = None,
        slope_bounds: Sequence[float] | None = None,
        threshold_bounds: Sequence[float] | None = None,
        cooling_slope_bounds: Sequence[float] | None = (0.0, 0.0),
        cooling_threshold_bounds: Sequence[float] | None = None,
    ) -> None:
        self.base_bounds = base_bounds
        self.slope_bounds = slope_bounds
        self.threshold_bounds = threshold_bounds
        self.cooling_slope_bounds = cooling_slope_bounds
        self.cooling_threshold_bounds = cooling_threshold_bounds

    @staticmethod
    def _curve(p: np.ndarray, t: np.ndarray, extra: np.ndarray) -> np.ndarray:
        base, slope, threshold, cooling_slope, cooling_threshold = p[:5]
        return (
            base
            + slope * np.maximum(0.0, threshold - t)
            + cooling_slope * np.maximum(0.0, t - cooling_threshold)
            + extra @ p[5:]
        )

    @staticmethod
    def _split(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return X[:, 0], X[:, 1:]

    def _parameter_bounds(self, t: np.ndarray, n_extra: int) -> list[tuple[float, float]]:
        """(low, high) of base, slope, threshold, cooling slope and threshold, then effects."""
        t_range = (float(t.min()), float(t.max()))
        return [
            _bounds(self.base_bounds, (-np.inf, np.inf)),
            _bounds(self.slope_bounds, (0.0, np.inf)),
            _bounds(self.threshold_bounds, t_range),
            _bounds(self.cooling_slope_bounds, (0.0, np.inf)),
            _bounds(self.cooling_threshold_bounds, t_range),
        ] + [(-np.inf, np.inf)] * n_extra

    def _least_squares(
        self,
        t: np.ndarray,
        extra: np.ndarray,
        y: np.ndarray,
        bounds: list[tuple[float, float]],
        free: np.ndarray,
    ) -> np.ndarray:
        """The parameters of least cost over starts at several thresholds."""
        low = np.array([b[0] for b in bounds])
        high = np.array([b[1] for b in bounds])
        spread = float(np.std(y)) or 1.0

        def start(threshold: float) -> np.ndarray:
            guess = np.array(
                [
                    np.median(y),
                    spread / (np.ptp(t) or 1.0),
                    threshold,
                    0.0,
                    float(t.max()),
                    *np.zeros(extra.shape[1]),
                ]
            )
            inner_low = np.where(np.isfinite(low), low, guess)
            inner_high = np.where(np.isfinite(high), high, guess)
            return np.clip(guess, inner_low, inner_high)

        def residuals(q: np.ndarray, fixed: np.ndarray) -> np.ndarray:
            p = fixed.copy()
            p[free] = q
            return (self._curve(p, t, extra) - y) / spread

        best: np.ndarray | None = None
        best_cost = np.inf
        # The hinge makes the cost non-convex in the threshold: start from several.
        t_low, t_high = bounds[2]
        for q in (0.25, 0.5, 0.75):
            threshold = float(np.clip(np.quantile(t, q), t_low, t_high))
            p0 = start(threshold)
            if not free.any():
                return p0
            lo, hi = low[free], high[free]
            # least_squares wants starts strictly inside the bounds.
            nudge = 1e-9 * np.where(np.isfinite(hi - lo), hi - lo, 1.0)
            x0 = np.clip(p0[free], lo + nudge, hi - nudge)
            fit = least_squares(residuals, x0, args=(p0,), bounds=(lo, hi), x_scale="jac")
            if fit.cost < best_cost:
                best_cost = fit.cost
                best = p0.copy()
                best[free] = fit.x
        assert best is not None
        return best

    @staticmethod
    def _warn_on_bounds(
        best: np.ndarray, bounds: list[tuple[float, float]], free: np.ndarray
    ) -> None:
        for name, value, (lo, hi), is_free in zip(
            _NAMES, best[:5], bounds[:5], free[:5], strict=True
        ):
            tolerance = 1e-6 * max(
                1.0, abs(lo) if np.isfinite(lo) else 1.0, abs(hi) if np.isfinite(hi) else 1.0
            )
            if is_free and (abs(value - lo) <= tolerance or abs(value - hi) <= tolerance):
                side = lo if abs(value - lo) <= tolerance else hi
                warnings.warn(
                    f"PTG {name} = {value:.6g} sits on its bound {side:.6g}",
                    BoundWarning,
                    stacklevel=3,
                )

    def fit(self, X, y) -> PTGRegressor:
        self._validate_params()
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        t, extra = self._split(X)
        bounds = self._parameter_bounds(t, extra.shape[1])
        free = np.array([low < high for low, high in bounds])
        # Without a cooling slope the cooling threshold means nothing: hold it still.
        free[4] = free[4] and bool(free[3] or bounds[3][1] != 0.0)
        best = self._least_squares(t, extra, y, bounds, free)
        self.coef_ = best
        self.base_, self.slope_, self.threshold_, self.cooling_slope_, self.cooling_threshold_ = (
            float(v) for v in best[:5]
        )
        self.effects_ = best[5:]
        self._warn_on_bounds(best, bounds, free)
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        t, extra = self._split(X)
        return self._curve(self.coef_, t, extra)


def estimator(bounds: dict | None = None) -> PTGRegressor:
    bounds = bounds or {}
    return PTGRegressor(
        base_bounds=bounds.get("base"),
        slope_bounds=bounds.get("slope"),
        threshold_bounds=bounds.get("threshold"),
        cooling_slope_bounds=bounds.get("cooling_slope", (0.0, 0.0)),
        cooling_threshold_bounds=bounds.get("cooling_threshold"),
    )
