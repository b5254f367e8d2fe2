"""Day-ahead adaptation: a static model whose error is tracked with the consumption it is told.

`KalmanAdaptive` wraps any fitted family (scikit-learn meta-estimator style). Its forecast for
day D is the base model's, times exp(z_D . b), where z_D are the standardized `features` of
day D (calendar, weather and the consumption lags of `feature_names.CONSUMPTION_FEATURES`) and b a
coefficient vector that a Kalman filter (a random walk per coefficient: Obst, de Vilmarest and
Goude, IEEE TPWRS 2021) updates with each day whose consumption the request carries. The
forecast for D uses only the days up to D - horizon_days. With an issue time that day is
known only up to it: the filter takes the whole days up to the day before, then that day's
error as nowcast from its consumption to the issue time (`nowcast_inputs`), with the
nowcast's own error variance added to the observation noise. Without any consumption b stays 0
and the answer is the base model's static forecast, exactly.

Both noises come from the training period alone: the base is refitted on all but its last
`selection_days`; the variance of its log errors on those days is the observation noise
(`auto`), and the state noise (per day, relative to it) is the one whose tracking forecasts
those days best. A state noise of 0 tracks nothing: the choice can be the static model. The
log errors of those days with the chosen state noise (`held_out_errors_`) are the day-ahead
errors of a model fitted before them, served as it is: the bands calibrate on them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from energy_forecast.core.features import (
    CONSUMPTION,
    at_lags,
    build_features,
    check_part_within_day,
    checked_consumption,
    day_numbers,
    known_consumption,
    parse_dates,
    request_errors,
)
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE
from energy_forecast.core.settings import FeatureSettings

# Prior variance of each coefficient when the filter starts, in units of the state noise.
INITIAL_VARIANCE = 10.0


def _design_encoder(features: Sequence[str]) -> ColumnTransformer:
    categorical = [f for f in features if f == "weekday"]
    numeric = [f for f in features if f != "weekday"]
    return ColumnTransformer(
        [
            ("days", OneHotEncoder(drop="first", handle_unknown="ignore"), categorical),
            ("rest", StandardScaler(), numeric),
        ]
    )


# The days before a partly known day x whose whole and partial errors nowcast x's: the day
# before, and the same weekday and its neighbours a week before (a day's profile follows its
# weekday).
NOWCAST_LAGS = np.array([1, 6, 7, 8])
# Training days below which the nowcast's coefficients are not worth fitting.
MIN_NOWCAST_DAYS = 60


def nowcast_inputs(days: np.ndarray, log_error: np.ndarray, partial_error: np.ndarray):
    """Per row (day x): x's weekday (one column each), x's partial error on that weekday (one
    column each: the share of a day used by the issue time follows its weekday, a Monday's
    morning comes after a weekend), then the whole and partial errors of the days
    x - NOWCAST_LAGS. A day's partial error is log(its consumption to the issue time / the
    static forecast of the whole day); NaN where the request lacks a value."""
    # Day 0 of the epoch, 1970-01-01, was a Thursday: Monday is 0 as in pandas.
    weekday = (days + 3) % 7
    on_weekday = [(weekday == day).astype(float) for day in range(7)]
    return np.column_stack(
        [
            *on_weekday,
            *(on * partial_error for on in on_weekday),
            at_lags(days, log_error, NOWCAST_LAGS),
            at_lags(days, partial_error, NOWCAST_LAGS),
        ]
    )


def newly_known(days: np.ndarray, complete_lag: int) -> Iterator[tuple[int, range]]:
    """For each row (`days` whole days, increasing), its position and the earlier rows first
    known whole at its issue time: those whose day is at most its day - complete_lag, less
    the rows an earlier row already knew. The online updates (trackers, bands, aggregation
    weights) take each row's errors once, in order, and never a later day's."""
    observed = 0
    for row, day in enumerate(days):
        first = observed
        while observed < row and days[observed] <= day - complete_lag:
            observed += 1
        yield row, range(first, observed)


@dataclass(frozen=True)
class PartialDay:
    """The day `horizon` before each forecast, known to the issue time only: each row's log
    error as nowcast from its part to then, and the nowcast's error variance."""

    horizon: int
    log_error: np.ndarray
    noise: float


def track(
    design: np.ndarray,
    log_error: np.ndarray,
    days: np.ndarray,
    complete_lag: int,
    state_noises: np.ndarray,
    observation_noise: float,
    partial: PartialDay | None = None,
) -> np.ndarray:
    """For each of `state_noises` and each row, z . b with b filtered on the rows whose day is
    at most its day - complete_lag, then, with `partial`, updated (for this row only) by the
    row of its day - partial.horizon. One filter per state noise, run side by side.

    `days` are whole days, increasing; `log_error` is NaN where the consumption is not known.
    """
    state_noises = np.asarray(state_noises, dtype=float)
    k = design.shape[1]
    state = np.zeros((len(state_noises), k))
    noise = np.eye(k) * state_noises[:, None, None]
    covariance = noise * INITIAL_VARIANCE

    def updated(state, covariance, z, error, variance):
        covariance = covariance + noise
        spread = covariance @ z
        gain = spread / (spread @ z + variance)[:, None]
        innovation = error - state @ z
        return (
            state + gain * innovation[:, None],
            covariance - gain[:, :, None] * (z @ covariance)[:, None, :],
        )

    row_of_day = {int(day): row for row, day in enumerate(days)}
    correction = np.zeros((len(state_noises), len(days)))
    for row, known in newly_known(days, complete_lag):
        for i in known:
            if not np.isnan(log_error[i]):
                state, covariance = updated(
                    state, covariance, design[i], log_error[i], observation_noise
                )
        current = state
        latest = None if partial is None else row_of_day.get(int(days[row]) - partial.horizon)
        if partial is not None and latest is not None and latest < row:
            error, variance = partial.log_error[latest], observation_noise + partial.noise
            if not np.isnan(error):
                current, _ = updated(state, covariance, design[latest], error, variance)
        correction[:, row] = current @ design[row]
    return correction


class KalmanAdaptive(RegressorMixin, BaseEstimator):
    """A base model whose log error follows a Kalman-tracked linear function of `features`."""

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "base": [HasMethods(["fit", "predict"])],
        "features": ["array-like"],
        "settings": [dict, None],
        "state_noise": ["array-like"],
        "observation_noise": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "selection_days": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        base: BaseEstimator | None = None,
        *,
        features: Sequence[str] = ("weekday",),
        settings: dict | None = None,
        state_noise: Sequence[float] = (0.1,),
        observation_noise: float | str = "auto",
        selection_days: int = 365,
    ) -> None:
        self.base = base
        self.features = features
        # Plain values, as FeatureBuilder holds them: what the saved model holds stays skops-safe.
        self.settings = settings
        self.state_noise = state_noise
        self.observation_noise = observation_noise
        self.selection_days = selection_days

    def _feature_settings(self) -> FeatureSettings:
        return FeatureSettings(**(self.settings or {}))

    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        return build_features(X, list(self.features), self._feature_settings(), source="request")

    @staticmethod
    def _design(built: pd.DataFrame, encoder: ColumnTransformer) -> np.ndarray:
        # A lag the request does not carry is unknown: at its training mean, it moves nothing.
        encoded = np.nan_to_num(encoder.transform(built), nan=0.0)
        return np.column_stack([np.ones(len(built)), encoded])

    def _held_out(self, X: pd.DataFrame, y: np.ndarray) -> tuple[int, np.ndarray]:
        """Where the training period's last `selection_days` start, and the log errors of a
        base fitted on the days before them: out-of-sample errors, from training days only."""
        held = min(int(self.selection_days), len(X) // 2)
        first = len(X) - held
        base = clone(self.base).fit(X.iloc[:first], y[:first])
        return first, np.log(y) - np.log(base.predict(X))

    def fit(self, X: pd.DataFrame, y: Any) -> KalmanAdaptive:
        self._validate_params()
        if len(self.state_noise) == 0 or min(self.state_noise) < 0:
            raise ValueError(f"state_noise: expected ratios of at least 0, got {self.state_noise}")
        y = np.asarray(y, dtype=float)
        X = X.reset_index(drop=True)
        days = whole_days(X)
        first, log_error = self._held_out(X, y)
        # In-sample errors understate a day's error (KNN reproduces its training days).
        self.observation_noise_ = (
            float(np.var(log_error[first:]))
            if self.observation_noise == "auto"
            else float(self.observation_noise)
        )
        built = self._features(X.assign(**{CONSUMPTION: y}))
        partial = self._fit_nowcast(X, days, log_error, np.log(y) - log_error)
        ratios = np.array([float(r) for r in self.state_noise])
        # Each state noise's log errors on the held-out days, tracking from the first day.
        held_out = log_error[first:] - self._held_out_corrections(
            built, log_error, days, first, ratios, partial
        )
        # |forecast / actual - 1| = |exp(-log error) - 1|: each day's relative error.
        self.selection_mape_ = [float(m) for m in np.abs(np.expm1(-held_out)).mean(axis=1)]
        # Ties go to the first (smallest) state noise, so the choice is deterministic.
        chosen = int(np.argmin(self.selection_mape_))
        self.state_noise_ratio_ = float(ratios[chosen])
        self.state_noise_ratios_ = ratios
        self.each_held_out_errors_ = held_out
        self.held_out_errors_ = held_out[chosen]
        self.base_ = clone(self.base).fit(X, y)
        self.encoder_ = _design_encoder(self.features).fit(built)
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_nowcast(
        self,
        X: pd.DataFrame,
        days: np.ndarray,
        log_error: np.ndarray,
        log_static: np.ndarray,
    ) -> PartialDay | None:
        """With an issue time, the least-squares nowcast of a day's log error from the
        `nowcast_inputs` on the training days, and its residual variance."""
        settings = self._feature_settings()
        if settings.issue_time is None:
            self.nowcast_coef_, self.nowcast_noise_ = np.zeros(0), 0.0
            return None
        inputs = self._nowcast_inputs(X, days, log_error, log_static)
        rows = np.isfinite(inputs).all(axis=1) & np.isfinite(log_error)
        if rows.sum() < MIN_NOWCAST_DAYS:
            raise ValueError(
                f"issue_time is set but {rows.sum()} training days carry "
                f"{CONSUMPTION_TO_ISSUE} and the days before them; expected at least "
                f"{MIN_NOWCAST_DAYS}"
            )
        self.nowcast_coef_ = np.linalg.lstsq(inputs[rows], log_error[rows], rcond=None)[0]
        self.nowcast_noise_ = float(np.var(log_error[rows] - inputs[rows] @ self.nowcast_coef_))
        return PartialDay(settings.horizon_days, inputs @ self.nowcast_coef_, self.nowcast_noise_)

    def _nowcast_inputs(
        self, X: pd.DataFrame, days: np.ndarray, log_error: np.ndarray, log_static: np.ndarray
    ) -> np.ndarray:
        bounds = self._feature_settings().daily_mwh_bounds
        partial = known_consumption(X, CONSUMPTION_TO_ISSUE, "request", bounds)
        return nowcast_inputs(days, log_error, np.log(partial) - log_static)

    def _partial_day(
        self, X: pd.DataFrame, days: np.ndarray, log_error: np.ndarray, log_static: np.ndarray
    ) -> PartialDay | None:
        """With an issue time, each day's log error as nowcast from its part to then."""
        settings = self._feature_settings()
        if settings.issue_time is None:
            return None
        nowcast = self._nowcast_inputs(X, days, log_error, log_static) @ self.nowcast_coef_
        return PartialDay(settings.horizon_days, nowcast, self.nowcast_noise_)

    def _held_out_corrections(
        self,
        built: pd.DataFrame,
        log_error: np.ndarray,
        days: np.ndarray,
        first: int,
        ratios: np.ndarray,
        partial: PartialDay | None,
    ) -> np.ndarray:
        """Each state noise's tracked log correction of the held-out days, the design scaled
        on the days before them."""
        encoder = _design_encoder(self.features).fit(built.iloc[:first])
        design = self._design(built, encoder)
        lag = self._feature_settings().complete_lag_days
        r = self.observation_noise_
        return track(design, log_error, days, lag, ratios * r, r, partial)[:, first:]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        with request_errors():
            return self._predict(X.reset_index(drop=True), [self.state_noise_ratio_])[:, 0]

    def predict_each(self, X: pd.DataFrame) -> np.ndarray:
        """One column per candidate state noise (`state_noise_ratios_`): the forecast each
        would track, as `aggregation.ExpertAggregate` weighs them."""
        with request_errors():
            return self._predict(X.reset_index(drop=True), self.state_noise_ratios_)

    def _predict(self, X: pd.DataFrame, ratios: Sequence[float] | np.ndarray) -> np.ndarray:
        static = np.asarray(self.base_.predict(X), dtype=float)
        if CONSUMPTION not in X.columns:
            return np.tile(static[:, None], (1, len(ratios)))
        bounds = self._feature_settings().daily_mwh_bounds
        known = checked_consumption(X[CONSUMPTION], "request", bounds=bounds)
        part = known_consumption(X, CONSUMPTION_TO_ISSUE, "request", bounds)
        check_part_within_day(known, part, "request")
        if np.isnan(known).all():
            return np.tile(static[:, None], (1, len(ratios)))
        days = whole_days(X)
        order = np.argsort(days, kind="stable")
        ordered = X.iloc[order].reset_index(drop=True)
        log_static = np.log(static)[order]
        log_error = np.log(known)[order] - log_static
        correction = np.empty((len(X), len(ratios)))
        correction[order] = track(
            self._design(self._features(ordered), self.encoder_),
            log_error,
            days[order],
            self._feature_settings().complete_lag_days,
            np.asarray(ratios, dtype=float) * self.observation_noise_,
            self.observation_noise_,
            self._partial_day(ordered, days[order], log_error, log_static),
        ).T
        return static[:, None] * np.exp(correction)


def whole_days(X: pd.DataFrame) -> np.ndarray:
    """The request's Paris days as day numbers, for the trackers' "days up to D - horizon"."""
    return day_numbers(parse_dates(X["date"], "request"))
