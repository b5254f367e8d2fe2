"""Online aggregation of experts: a convex combination of several forecasters whose weights
follow each one's recent errors.

Each day D the aggregate is sum_k w_k x_k, the experts' forecasts x_k weighted by w, and w
is updated with the errors of the days whose consumption is known by D's issue time (up to
D - `complete_lag_days`): the sequential setting of Cesa-Bianchi and Lugosi, "Prediction,
Learning, and Games" (2006), with the delayed feedback of a day-ahead forecast. The loss is
the square of the relative error, (p / y - 1)^2, linearized at the aggregate's forecast p
(the "gradient trick", ibid. section 2.5): expert k's loss on a day is
2 (p / y - 1) x_k / y, so the weights compete with the best convex combination, not only the
best expert. Relative errors keep a winter day's loss the size of a summer day's.

The rules, as EDF R&D's `opera` package implements them for French load (Gaillard and Goude,
"Forecasting electricity consumption by aggregating experts", 2015):
- `mlpoly`: the polynomially weighted average with multiple learning rates (Gaillard, Stoltz
  and van Erven, "A second-order bound with excess losses", COLT 2014): w_k proportional to
  eta_k (R_k)_+, R_k the regret to expert k (the aggregate's linearized losses less k's), and
  1 / eta_k the sum of k's squared instantaneous regrets plus their largest square so far.
  No parameter to tune.
- `boa`: Bernstein online aggregation with multiple learning rates (Wintenberger, "Optimal
  learning with Bernstein online aggregation", Machine Learning 106, 2017): exponential
  weights on the regrets less eta_k times their squares, eta_k = min(1 / (2 B_k),
  sqrt(ln K / V_k)), B_k the largest |regret| so far and V_k the sum of squares.
- `ewa`: exponentially weighted average forecaster with a fixed learning rate (ibid.,
  section 2.1), w_k proportional to exp(eta R_k), eta in units of the inverse of the
  linearized losses' spread (`learning_rate`).

No maintained Python package implements them without a deep-learning stack (metaforecast,
0.3.6, pins torch, catboost and neuralforecast), so they are written here, about ten lines each.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils._param_validation import Interval

from energy_forecast.core.adaptation import newly_known, whole_days
from energy_forecast.core.features import CONSUMPTION, checked_consumption, request_errors

RULES = ("mlpoly", "boa", "ewa")
# The types a saved aggregate holds beyond its experts' and skops' defaults.
AGGREGATION_TYPES = [
    "energy_forecast.core.aggregation.ExpertAggregate",
    "energy_forecast.core.aggregation.Rule",
]


class Rule:
    """The state of an aggregation rule over `n_experts`: the weights, then `update` with each
    day's instantaneous regrets (the aggregate's linearized loss less each expert's)."""

    def __init__(self, name: str, n_experts: int, learning_rate: float = 1.0) -> None:
        if name not in RULES:
            raise ValueError(f"rule: expected one of {RULES}, got {name!r}")
        self.name = name
        self.learning_rate = learning_rate
        self.regret = np.zeros(n_experts)
        # mlpoly: 1 / eta_k and the largest squared regret; boa: the regularized regrets, the
        # largest |regret| and the sum of squares per expert.
        self.inverse_rate = np.zeros(n_experts)
        self.largest = np.zeros(n_experts) if name == "boa" else 0.0
        self.squares = np.zeros(n_experts)
        self.regularized = np.zeros(n_experts)

    def weights(self) -> np.ndarray:
        n = len(self.regret)
        if self.name == "mlpoly":
            positive = np.maximum(self.regret, 0.0)
            if not (positive > 0).any():
                return np.full(n, 1.0 / n)
            # A positive regret came with a nonzero one, so every 1 / eta_k is positive.
            score = positive / self.inverse_rate
            return score / score.sum()
        exponent = (
            self._boa_rate() * self.regularized
            if self.name == "boa"
            else self.learning_rate * self.regret
        )
        w = np.exp(exponent - exponent.max())
        return w / w.sum()

    def _boa_rate(self) -> np.ndarray:
        n = len(self.regret)
        with np.errstate(divide="ignore"):
            rate = np.minimum(1.0 / (2 * self.largest), np.sqrt(np.log(n) / self.squares))
        # Before any regret is seen every rate is infinite: weights stay uniform.
        return np.where(np.isfinite(rate), rate, 0.0)

    def update(self, regret: np.ndarray) -> None:
        self.regret = self.regret + regret
        if self.name == "mlpoly":
            largest = max(self.largest, float(np.max(regret**2)))
            self.inverse_rate = self.inverse_rate + regret**2 + (largest - self.largest)
            self.largest = largest
        elif self.name == "boa":
            self.largest = np.maximum(self.largest, np.abs(regret))
            self.squares = self.squares + regret**2
            self.regularized = self.regularized + regret - self._boa_rate() * regret**2


def linearized_regrets(forecasts: np.ndarray, actual: float, weights: np.ndarray) -> np.ndarray:
    """One day's instantaneous regrets: the aggregate's linearized relative square loss less
    each expert's, 2 (p / y - 1) (p - x_k) / y."""
    aggregate = float(forecasts @ weights)
    gradient = 2 * (aggregate / actual - 1) / actual
    return gradient * (aggregate - forecasts)


def aggregate_weights(
    rule: Rule,
    forecasts: np.ndarray,
    actual: np.ndarray,
    days: np.ndarray,
    complete_lag: int,
) -> np.ndarray:
    """For each row (a day), the weights `rule` gives it, updated with the rows of the days up
    to its day - complete_lag whose actual is known (not NaN). `days` increase; `rule` is left
    where the last row's weights stand, updated with every day known then."""
    out = np.empty_like(forecasts, dtype=float)
    for row, known in newly_known(days, complete_lag):
        for i in known:
            if not np.isnan(actual[i]):
                rule.update(linearized_regrets(forecasts[i], actual[i], out[i]))
        out[row] = rule.weights()
    return out


class ExpertAggregate(RegressorMixin, BaseEstimator):
    """Adapting experts (`KalmanAdaptive`, each at every one of its candidate state noises),
    combined by an online aggregation rule whose weights follow their day-ahead errors.

    Fitting fits each expert; their held-out forecasts of the training period's last days
    (`KalmanAdaptive.each_held_out_errors_`: out of sample, as served) choose the rule among
    `rules` (the lowest MAPE of the aggregate on those days) and leave the weights where the
    chosen rule stands after them. A request's days after the training period then update the
    weights with the errors known at each day's issue time (days up to D - complete_lag_days).
    Without consumption the forecast is the experts' weighted by the training period's end.
    """

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "experts": [list],
        "rules": [list],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "complete_lag_days": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        experts: list[BaseEstimator] | None = None,
        *,
        rules: Sequence[str] = ("mlpoly",),
        learning_rate: float = 100.0,
        complete_lag_days: int = 1,
    ) -> None:
        self.experts = experts
        self.rules = rules
        self.learning_rate = learning_rate
        self.complete_lag_days = complete_lag_days

    def fit(self, X: pd.DataFrame, y: Any) -> ExpertAggregate:
        self._validate_params()
        unknown = [r for r in self.rules if r not in RULES]
        if not self.experts or not self.rules or unknown:
            raise ValueError(
                f"experts and rules: expected experts and rules among {RULES}, got "
                f"{len(self.experts or [])} experts and rules {list(self.rules)}"
            )
        X = X.reset_index(drop=True)
        y = np.asarray(y, dtype=float)
        self.experts_ = [clone(expert).fit(X, y) for expert in self.experts]
        held = {len(e.held_out_errors_) for e in self.experts_}
        if len(held) != 1:
            raise ValueError(f"experts: expected the same held-out days, got {sorted(held)} days")
        actual = y[len(y) - held.pop() :]
        # Each expert's forecast of each held-out day at each state noise: y / exp(log error).
        forecasts = np.column_stack(
            [actual[:, None] / np.exp(e.each_held_out_errors_.T) for e in self.experts_]
        )
        every_day = whole_days(X)
        days = every_day[len(y) - len(actual) :]
        self.selection_mape_ = {}
        fitted = {}
        for name in self.rules:
            rule = Rule(name, forecasts.shape[1], self.learning_rate)
            weights = aggregate_weights(rule, forecasts, actual, days, self.complete_lag_days)
            aggregate = (forecasts * weights).sum(axis=1)
            self.selection_mape_[name] = float(np.abs(aggregate / actual - 1).mean())
            fitted[name] = (rule, aggregate)
        # Ties go to the first rule listed, so the choice is deterministic.
        self.rule_ = min(self.rules, key=lambda name: self.selection_mape_[name])
        self.state_, aggregate = fitted[self.rule_]
        # The aggregate's own out-of-sample log errors: what the bands calibrate on.
        self.held_out_errors_ = np.log(actual) - np.log(aggregate)
        self.last_fitted_day_ = int(every_day.max())
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        with request_errors():
            X = X.reset_index(drop=True)
            forecasts = np.column_stack([e.predict_each(X) for e in self.experts_])
            if CONSUMPTION not in X.columns:
                return forecasts @ self.state_.weights()
            known = checked_consumption(X[CONSUMPTION], "request")
            days = whole_days(X)
            # The training period's days are in the rule's state already.
            known = np.where(days > self.last_fitted_day_, known, np.nan)
            order = np.argsort(days, kind="stable")
            weights = np.empty_like(forecasts)
            weights[order] = aggregate_weights(
                copy.deepcopy(self.state_),
                forecasts[order],
                known[order],
                days[order],
                self.complete_lag_days,
            )
            return (forecasts * weights).sum(axis=1)
