"""Forecast intervals: quantiles of a forecaster's day-ahead log error, out of sample.

`ConformalQuantiles` wraps any forecaster (static or adapting). It is calibrated on the
training period alone: a copy fitted on all but its last `calibration_days` forecasts those
days as it is served (day-ahead, tracking the consumption it is told, if it adapts), and the
empirical quantiles of their log errors, log(actual / forecast), give the band: split
conformal prediction (Vovk et al. 2005), one quantile per level's tail, so the band can be
asymmetric as the errors are. A served forecast is made with a weather forecast: given
`calibration_requests`, requests in which each calibration day is asked as it was issued, its
weather as forecast then, the copy answers those, so that the band holds the weather's error
too.
Without them the calibration days are asked in one request with the training frame's weather;
a forecaster that has made those very forecasts while it was fitted (`KalmanAdaptive` on its
held-out days, when they are as many) then lends its errors (`held_out_errors_`) instead of a
copy being fitted.

With `method: tracking` each quantile moves by a pinball-loss gradient step with each day's
error: the quantile tracker of conformal PID control (Angelopoulos, Candès and Tibshirani,
NeurIPS 2023), whose long-run coverage is the level whatever the errors do: after a shift such
as 2020's lockdown the band widens within days. It first runs through the calibration errors in
their order, so that a served model starts from where the tracker stands at the end of its
training period; then, when a request carries consumption, over the days it covers, the
forecast for D using the errors of the days whose whole consumption it knows, up to
D - complete_lag_days. The days of a request carry observed temperatures, so their errors
hold none of a weather forecast's: when the calibration asked its days as issued, each
request day's error gets a calibration day's weather error (its error as issued less its
error with observed temperatures, `weather_errors_`, the day number picking which), and the
band follows errors the size of a forecast's as issued. Without consumption the band is where
the calibration left it; with `method: split`, the split-conformal quantiles.

A band tracks the levels' tails; the GEFCom2014 pinball score tracks the quantiles
0.01..0.99 when it is asked for. Crossing quantiles are sorted (rearrangement, Chernozhukov
et al. 2010).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from energy_forecast.core.adaptation import newly_known, whole_days
from energy_forecast.core.features import CONSUMPTION, checked_consumption, request_errors

# The GEFCom2014 load track's quantiles.
PINBALL_QUANTILES = tuple(round(q / 100, 2) for q in range(1, 100))


def level_name(level: float) -> str:
    """0.8 -> '80', 0.975 -> '97.5': the suffix of `lower_` and `upper_` columns."""
    return f"{level * 100:g}"


def interval_columns(levels: Sequence[float]) -> list[str]:
    return [f"{side}_{level_name(lv)}" for lv in levels for side in ("lower", "upper")]


def tails(levels: Sequence[float]) -> list[float]:
    """The quantiles the levels' bands are made of: (1 - level) / 2 and (1 + level) / 2."""
    return sorted({round((1 + side * lv) / 2, 6) for lv in levels for side in (-1, 1)})


def calibration_size(calibration_days: int, n_rows: int) -> int:
    """How many of `n_rows` training days calibrate: the last `calibration_days`, at most half."""
    return min(int(calibration_days), n_rows // 2)


def conformal_quantiles(errors: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """The split-conformal quantiles of `errors` at `taus`: the ceil((n + 1) tau)-th smallest
    above the median, the floor((n + 1) tau)-th below it, so that a band of n calibration
    errors covers a new day with at least its level's probability (Vovk et al. 2005; Lei et
    al. 2018), where np.quantile's interpolation falls short by about 1 / n."""
    ordered = np.sort(errors)
    n = len(ordered)
    rank = np.where(taus >= 0.5, np.ceil((n + 1) * taus), np.floor((n + 1) * taus))
    return ordered[np.clip(rank.astype(int), 1, n) - 1]


def tracked(quantiles: np.ndarray, taus: np.ndarray, error: float, step: float) -> np.ndarray:
    """The quantiles `taus` after one day's error: the pinball loss's gradient step, up by
    step * tau on a day above, down by step * (1 - tau) otherwise."""
    return quantiles + step * (taus - (error <= quantiles))


def track_quantiles(
    initial: np.ndarray,
    taus: np.ndarray,
    log_error: np.ndarray,
    days: np.ndarray,
    horizon: int,
    step: float,
) -> np.ndarray:
    """For each row, the quantiles `taus` updated with the errors of days up to its day - horizon.

    `days` are whole days, increasing; `log_error` is NaN where the consumption is not known.
    """
    quantiles = initial.astype(float)
    out = np.empty((len(days), len(taus)))
    for row, known in newly_known(days, horizon):
        for error in log_error[known.start : known.stop]:
            if not np.isnan(error):
                quantiles = tracked(quantiles, taus, error, step)
        out[row] = np.sort(quantiles)
    return out


class ConformalQuantiles(RegressorMixin, BaseEstimator):
    """A forecaster with the quantiles of its log error, for bands at `levels`."""

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "forecaster": [HasMethods(["fit", "predict"])],
        "levels": ["array-like"],
        "method": [StrOptions({"tracking", "split"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "calibration_days": [Interval(Integral, 1, None, closed="left")],
        "complete_lag_days": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        forecaster: BaseEstimator | None = None,
        *,
        levels: Sequence[float] = (0.8, 0.95),
        method: str = "tracking",
        learning_rate: float = 0.5,
        calibration_days: int = 365,
        complete_lag_days: int = 1,
    ) -> None:
        self.forecaster = forecaster
        self.levels = levels
        self.method = method
        self.learning_rate = learning_rate
        self.calibration_days = calibration_days
        self.complete_lag_days = complete_lag_days

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        calibration_requests: Sequence[tuple[pd.DataFrame, np.ndarray]] | None = None,
    ) -> ConformalQuantiles:
        """Fit the forecaster on `X`, `y` and calibrate the bands on the training period's last
        days (`calibration_size`). `calibration_requests`: pairs of a request and the positions
        of its rows that answer calibration days as issued; together they answer each
        calibration day once."""
        self._validate_params()
        levels = np.asarray(self.levels, dtype=float)
        if levels.size == 0 or not ((levels > 0) & (levels < 1)).all():
            raise ValueError(
                f"levels: expected probabilities strictly between 0 and 1, got {levels}"
            )
        y = np.asarray(y, dtype=float)
        X = X.reset_index(drop=True)
        self.forecaster_ = clone(self.forecaster).fit(X, y)
        self.calibration_errors_, self.weather_errors_ = self._calibration_errors(
            X, y, calibration_requests
        )
        self.taus_ = np.array(tails(self.levels))
        # One step scales with the errors' spread: the same learning rate suits any level.
        self.step_ = float(self.learning_rate * np.std(self.calibration_errors_))
        self.initial_quantiles_ = self.calibrated_quantiles(self.taus_)
        # Errors on the days it was fitted on are in-sample, too small: the band tracks after.
        self.last_fitted_day_ = int(whole_days(X).max())
        self.n_features_in_ = X.shape[1]
        return self

    def _calibration_errors(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        requests: Sequence[tuple[pd.DataFrame, np.ndarray]] | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The log errors of the calibration days forecast as served by a copy fitted on the
        days before them; with `requests`, also each day's weather error: its log error as
        issued less its log error with the observed temperatures (else none)."""
        held = calibration_size(self.calibration_days, len(X))
        first = len(X) - held
        lent = getattr(self.forecaster_, "held_out_errors_", None)
        none = np.zeros(0)
        if requests is None and lent is not None and len(lent) == held:
            return np.asarray(lent, dtype=float), none
        calibration = clone(self.forecaster).fit(X.iloc[:first], y[:first])
        # Served as it would have been: told the consumption of the days before each day.
        forecast = np.asarray(calibration.predict(X.assign(**{CONSUMPTION: y})), dtype=float)
        observed = np.log(y[first:]) - np.log(forecast[first:])
        if requests is None:
            return observed, none
        calibration_days = whole_days(X.iloc[first:])
        answers = pd.Series(np.nan, index=calibration_days)
        for request, rows in requests:
            days = whole_days(request)[rows]
            if not np.isin(days, calibration_days).all() or answers[days].notna().any():
                raise ValueError(
                    "calibration_requests: expected each of the last "
                    f"{held} training days answered once"
                )
            answers[days] = np.asarray(calibration.predict(request), dtype=float)[rows]
        if answers.isna().any():
            raise ValueError(
                f"calibration_requests: {int(answers.isna().sum())} calibration days unanswered"
            )
        as_issued = np.log(y[first:]) - np.log(answers.to_numpy())
        return as_issued, as_issued - observed

    def calibrated_quantiles(self, taus: np.ndarray) -> np.ndarray:
        """The log-error quantiles `taus` a request starts from: the split-conformal ones of the
        calibration errors; when tracking, then tracked through those errors in their order, so
        that a request starts where the tracker stands at the end of the training period (the
        calibration year's recent errors weigh more than its first ones)."""
        quantiles = conformal_quantiles(self.calibration_errors_, taus)
        if self.method == "tracking":
            for error in self.calibration_errors_:
                quantiles = tracked(quantiles, taus, error, self.step_)
        return np.sort(quantiles)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.forecaster_.predict(X), dtype=float)

    def predict_quantiles(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The point forecast, and for each row the log-error quantiles `taus_` around it."""
        with request_errors():
            X = X.reset_index(drop=True)
            point = self.predict(X)
            return point, self.quantiles(X, point, self.taus_)

    def quantiles(self, X: pd.DataFrame, point: np.ndarray, taus: np.ndarray) -> np.ndarray:
        """For each row of `X` (reset index) forecast `point`, the log-error quantiles `taus`."""
        taus = np.asarray(taus, dtype=float)
        # The bands' tails were calibrated at fit; only other quantiles (the pinball score's)
        # run through the calibration errors again, a loop a served request need not pay.
        banded = np.array_equal(taus, self.taus_)
        initial = self.initial_quantiles_ if banded else self.calibrated_quantiles(taus)
        static = np.tile(initial, (len(X), 1))
        if self.method == "split" or CONSUMPTION not in X.columns:
            return static
        known = checked_consumption(X[CONSUMPTION], "request")
        if np.isnan(known).all():
            return static
        days = whole_days(X)
        out_of_sample = days > self.last_fitted_day_
        log_error = np.where(out_of_sample, np.log(known) - np.log(point), np.nan)
        if len(self.weather_errors_):
            # A request's days carry observed temperatures: each error gets a calibration
            # day's weather error, so that the band follows errors of forecasts as issued.
            log_error = log_error + self.weather_errors_[days % len(self.weather_errors_)]
        order = np.argsort(days, kind="stable")
        quantiles = np.empty_like(static)
        quantiles[order] = track_quantiles(
            initial, taus, log_error[order], days[order], self.complete_lag_days, self.step_
        )
        return quantiles

    def _tail_index(self, level: float) -> list[int]:
        """Where the level's two tails sit among `taus_`."""
        return [int(np.argmin(np.abs(self.taus_ - t))) for t in ((1 - level) / 2, (1 + level) / 2)]

    def calibration_bands(self) -> dict[float, np.ndarray]:
        """Each level's calibrated log-error band: (lower, upper)."""
        return {lv: self.initial_quantiles_[self._tail_index(lv)] for lv in self.levels}

    def bands(self, point: np.ndarray, quantiles: np.ndarray) -> pd.DataFrame:
        """`consumption_mwh`, then `lower_<level>` and `upper_<level>` for each level, from
        `predict_quantiles`."""
        out = {CONSUMPTION: point}
        for level in self.levels:
            low, high = self._tail_index(level)
            out[f"lower_{level_name(level)}"] = point * np.exp(quantiles[:, low])
            out[f"upper_{level_name(level)}"] = point * np.exp(quantiles[:, high])
        return pd.DataFrame(out)

    def predict_intervals(self, X: pd.DataFrame) -> pd.DataFrame:
        return self.bands(*self.predict_quantiles(X))

    def pinball_loss(self, X: pd.DataFrame, point: np.ndarray, actual: np.ndarray) -> np.ndarray:
        """Each row's mean pinball loss (MWh) over the quantiles 0.01..0.99 (GEFCom2014's
        score) around `point`, the forecast of `X` (reset index)."""
        taus = np.array(PINBALL_QUANTILES)
        forecast = point[:, None] * np.exp(self.quantiles(X, point, taus))
        above = np.asarray(actual, dtype=float)[:, None] - forecast
        return np.mean(np.maximum(taus * above, (taus - 1) * above), axis=1)
