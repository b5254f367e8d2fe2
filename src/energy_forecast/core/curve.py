"""The load curve of a day: its forecast daily energy, shaped by a profile of its intervals.

`LoadProfile` forecasts the shape of day D: the mean power of each wall-clock interval of the
day (a half-hour, or an hour for an hourly series) relative to the day's mean power, by one
ridge regression per interval on the day's calendar, season and temperatures, some of them
varying with the season (`SeasonalInteractions`), as EDF's models of the French load fit one
model per half-hour of the day with such interactions (Pierrot and Goude 2011). The curve
is the daily forecast times that shape, scaled so that its intervals' energy sums to the daily
forecast exactly: one number per day, whether the day or its curve is shown. The daily
forecast is the served model's, adapting to the consumption of D-1 known at the issue time,
so the curve follows it too.

A profile slot is a wall-clock time. Profiles are learnt on 24-hour days; the 23-hour spring
day has no 02:00 hour, and the 25-hour autumn day has it twice, each time with its slots' share.

The bands of an interval combine the daily band (the level of the whole day) with the
profile's own error at that slot, both as log ratios, in quadrature (as independent errors):
the profile's error quantiles come from its last `calibration_days`, forecast by a profile
fitted on the days before them (split conformal, as the daily bands).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import Ridge
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from energy_forecast.core.calendar import day_hours
from energy_forecast.core.features import FeatureBuilder, parse_dates
from energy_forecast.core.inputs import CONSUMPTION, PARIS
from energy_forecast.core.intervals import level_name

# The resolutions a curve is asked at; `1d` is the daily row.
RESOLUTIONS = ("30min", "1h", "1d")
DAY_MINUTES = 24 * 60


def day_intervals(dates: pd.DatetimeIndex, step_minutes: int) -> pd.DataFrame:
    """Every interval of each Paris day of `dates`: its `date`, its day's position in `dates`
    (`row`), `start` (UTC) and wall-clock `slot` (minutes after midnight // step): 46, 48 or
    50 half-hours by the day's length."""
    days = pd.DatetimeIndex(dates)
    midnight = days.tz_localize(PARIS).tz_convert("UTC")
    step = pd.Timedelta(minutes=step_minutes)
    counts = (day_hours(days) * 60).astype(int) // step_minutes
    first = np.repeat(np.arange(len(days)), counts)
    within = np.arange(len(first)) - np.repeat(np.cumsum(counts) - counts, counts)
    start = midnight[first] + within * step
    local = start.tz_convert(PARIS)
    return pd.DataFrame(
        {
            "date": days[first].to_numpy(),
            "row": first,
            "start": start,
            "slot": (local.hour * 60 + local.minute) // step_minutes,
        }
    )


def step_minutes(curve: pd.DataFrame) -> int:
    """The series' step in minutes: the most common gap between a day's interval starts."""
    gaps = curve.groupby("date")["start"].diff().dropna() / pd.Timedelta(minutes=1)
    if gaps.empty:
        raise ValueError("expected a curve of at least two intervals in a day")
    return int(gaps.mode().iloc[0])


def day_shapes(curve: pd.DataFrame, step_minutes: int) -> pd.DataFrame:
    """The 24-hour days of `curve` (`date`, `start` UTC, `mw`) with every slot: one row per
    day, one column per slot, each interval's power over the day's mean."""
    slots = day_intervals(pd.DatetimeIndex(curve["date"].unique()), step_minutes)
    merged = slots.merge(curve[["start", "mw"]], on="start", how="left")
    wide = merged.pivot_table(index="date", columns="slot", values="mw", aggfunc="mean")
    wide = wide.reindex(columns=range(DAY_MINUTES // step_minutes))
    whole = day_hours(wide.index) == 24
    counts = merged.groupby("date")["mw"].count().reindex(wide.index).to_numpy()
    kept = wide[whole & (counts == DAY_MINUTES // step_minutes)]
    return kept.div(kept.mean(axis=1), axis=0)


class SeasonalInteractions(TransformerMixin, BaseEstimator):
    """The feature frame and each of `columns` times each of its day-of-year terms (`doy_*`):
    an effect that changes with the season, such as a Sunday's shape or the heating's."""

    _parameter_constraints: dict = {"columns": ["array-like"]}  # noqa: RUF012

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self.columns = columns

    def fit(self, X: pd.DataFrame, y: Any = None) -> SeasonalInteractions:
        self._validate_params()
        if missing := [c for c in self.columns if c not in X.columns]:
            raise ValueError(f"columns: {missing} are not among the features {list(X.columns)}")
        if self.columns and not any(c.startswith("doy_") for c in X.columns):
            raise ValueError("expected day-of-year terms (doy_*) among the features")
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The features, then each of `columns` times each day-of-year term, in that order."""
        check_is_fitted(self)
        names = list(X.columns)
        values = X.to_numpy(dtype=float)
        season = values[:, [i for i, name in enumerate(names) if name.startswith("doy_")]]
        products = [values[:, [names.index(c)]] * season for c in self.columns]
        return np.hstack([values, *products])


class LoadProfile(BaseEstimator):
    """The shape of each day's curve from its raw inputs (`date`, temperatures): one ridge
    per wall-clock slot on `features` and `interactions` with the season, its alpha chosen
    among `alphas` by expanding-window CV (`folds`, scikit-learn's `TimeSeriesSplit`), and the
    quantiles of its log errors on the last `calibration_days`, held out, at each of
    `levels`' tails."""

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "features": ["array-like"],
        "interactions": ["array-like"],
        "settings": [dict, None],
        "alphas": ["array-like"],
        "folds": [Interval(Integral, 2, None, closed="left")],
        "calibration_days": [Interval(Integral, 1, None, closed="left")],
        "levels": ["array-like"],
    }

    def __init__(
        self,
        *,
        features: Sequence[str] = ("weekday",),
        interactions: Sequence[str] = (),
        settings: dict | None = None,
        alphas: Sequence[float] = (1.0,),
        folds: int = 3,
        calibration_days: int = 365,
        levels: Sequence[float] = (0.8, 0.95),
    ) -> None:
        self.features = features
        self.interactions = interactions
        self.settings = settings
        self.alphas = alphas
        self.folds = folds
        self.calibration_days = calibration_days
        self.levels = levels

    def _regression(self, alpha: float) -> Any:
        columns = list(dict.fromkeys([*self.features, *self.interactions]))
        builder = FeatureBuilder(columns, self.settings)
        season = SeasonalInteractions(list(self.interactions))
        return make_pipeline(builder, season, StandardScaler(), Ridge(alpha=alpha))

    def fit(self, X: pd.DataFrame, y: pd.DataFrame) -> LoadProfile:
        """`X` the days' raw inputs, `y` their shapes (`day_shapes`), matched by date."""
        self._validate_params()
        if any(not isinstance(a, Real) or a <= 0 for a in self.alphas) or not len(self.alphas):
            raise ValueError(f"alphas: expected positive numbers, got {list(self.alphas)}")
        days = parse_dates(X["date"], "request")
        whole = np.isin(days, pd.DatetimeIndex(y.index))
        X = X[whole].reset_index(drop=True)
        shapes = y.reindex(days[whole]).to_numpy()
        n = len(X)
        held = min(int(self.calibration_days), n // 2)
        if n < 2 * self.folds:
            raise ValueError(f"expected at least {2 * self.folds} whole days, got {n}")
        self.step_minutes_ = DAY_MINUTES // shapes.shape[1]
        self.alpha_ = min(self.alphas, key=lambda a: self._cv_error(X, shapes, float(a)))
        early = self._regression(self.alpha_).fit(X.iloc[: n - held], shapes[: n - held])
        errors = np.log(shapes[n - held :] / _normalised(early.predict(X.iloc[n - held :])))
        tails = [q for lv in self.levels for q in ((1 - lv) / 2, (1 + lv) / 2)]
        self.error_quantiles_ = np.quantile(errors, tails, axis=0)
        self.regression_ = self._regression(self.alpha_).fit(X, shapes)
        self.n_features_in_ = X.shape[1]
        return self

    def _cv_error(self, X: pd.DataFrame, shapes: np.ndarray, alpha: float) -> float:
        """Mean absolute relative error of the shape over expanding-window folds."""
        errors = []
        for train, test in TimeSeriesSplit(n_splits=self.folds).split(X):
            fitted = self._regression(alpha).fit(X.iloc[train], shapes[train])
            forecast = _normalised(fitted.predict(X.iloc[test]))
            errors.append(np.abs(forecast / shapes[test] - 1).ravel())
        return float(np.mean(np.concatenate(errors)))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Each day's shape: one row per day, one column per slot, mean 1."""
        check_is_fitted(self)
        return _normalised(self.regression_.predict(X))

    def curve(
        self, X: pd.DataFrame, daily: pd.DataFrame, asked: np.ndarray | None = None
    ) -> pd.DataFrame:
        """The curve of each day of `X` (those `asked`, a mask; None: all) whose daily answer
        `daily` gives (`consumption_mwh`, and its bands): one row per interval, its `date`,
        `start` (UTC) and mean power (MW). The shapes read every day of `X`, as the smoothed
        temperatures look back."""
        check_is_fitted(self)
        dates = parse_dates(X["date"], "request")
        positions = np.arange(len(dates)) if asked is None else np.flatnonzero(asked)
        intervals = day_intervals(dates[positions], self.step_minutes_)
        row = positions[intervals["row"].to_numpy()]
        shares = self.predict(X)[row, intervals["slot"].to_numpy()]
        hours = self.step_minutes_ / 60
        # Each day's intervals carry its energy: mean power x hours sums to the day's energy.
        per_day = np.bincount(row, weights=shares * hours)[row]
        energy = daily[CONSUMPTION].to_numpy()[row]
        forecast = energy * shares / per_day
        columns = {"date": intervals["date"], "start": intervals["start"], "forecast_mw": forecast}
        slot = intervals["slot"].to_numpy()
        for i, level in enumerate(self.levels):
            name = level_name(level)
            if f"lower_{name}" not in daily.columns:
                continue
            low_day = np.log(energy / daily[f"lower_{name}"].to_numpy()[row])
            high_day = np.log(daily[f"upper_{name}"].to_numpy()[row] / energy)
            low_slot = -self.error_quantiles_[2 * i][slot]
            high_slot = self.error_quantiles_[2 * i + 1][slot]
            columns[f"lower_{name}"] = forecast * np.exp(-np.hypot(low_day, low_slot))
            columns[f"upper_{name}"] = forecast * np.exp(np.hypot(high_day, high_slot))
        return pd.DataFrame(columns)


def _normalised(shapes: np.ndarray) -> np.ndarray:
    """Shapes with every day's mean 1; a slot forecast at or below zero is kept just above."""
    positive = np.maximum(shapes, 1e-3)
    return positive / positive.mean(axis=1, keepdims=True)


def at_resolution(curve: pd.DataFrame, resolution: str) -> pd.DataFrame:
    """The curve at `resolution` (`30min` or `1h`), each interval's mean power over its
    intervals; a curve coarser than asked stays at its own step. Timestamps are the interval's
    start in UTC (`start`) and in Paris time (`start_paris`), ISO 8601."""
    if resolution not in RESOLUTIONS[:2]:
        raise ValueError(f"resolution: expected one of {list(RESOLUTIONS)}, got {resolution!r}")
    numbers = [c for c in curve.columns if c not in ("date", "start")]
    if resolution == "1h":
        hour = curve["start"].dt.floor("h")
        curve = curve.groupby([curve["date"], hour], sort=False)[numbers].mean().reset_index()
    return pd.DataFrame(
        {
            "date": pd.DatetimeIndex(curve["date"]).strftime("%Y-%m-%d"),
            "start": curve["start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "start_paris": curve["start"].dt.tz_convert(PARIS).map(pd.Timestamp.isoformat),
            **{c: curve[c].to_numpy() for c in numbers},
        }
    )
