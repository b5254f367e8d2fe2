"""Grid configurations, expanding-window cross-validation, each family's best configuration.

Nothing here knows about MLflow: `search` reports each result to a callback, so the same
search runs tracked (the train stage) or bare (the benchmark's baseline).
"""

from __future__ import annotations

import contextlib
import itertools
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import TimeSeriesSplit

from energy_forecast import issuing
from energy_forecast.core.adaptation import KalmanAdaptive
from energy_forecast.core.aggregation import AGGREGATION_TYPES, ExpertAggregate
from energy_forecast.core.curve import LoadProfile
from energy_forecast.core.errors import InputError
from energy_forecast.core.families import family
from energy_forecast.core.features import history_days, required_inputs
from energy_forecast.core.inputs import CONSUMPTION, CONSUMPTION_TO_ISSUE
from energy_forecast.core.intervals import ConformalQuantiles, calibration_size, level_name
from energy_forecast.core.served import DayLengthScaled, make_model, served_forecaster
from energy_forecast.modeling import compute
from energy_forecast.modeling.metrics import scores
from energy_forecast.modeling.saving import request_frame
from energy_forecast.runtime.progress import progress_bar
from energy_forecast.runtime.settings import (
    PARAMS_FILE,
    CvSettings,
    FeatureSettings,
    Settings,
)


@dataclass
class Configuration:
    family: str
    feature_set: str
    features: list[str]
    params: dict[str, Any]  # one point of the family's grid

    @property
    def name(self) -> str:
        values = "-".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.family}[{self.feature_set}]{values}"

    def inputs(self, daily: pd.DataFrame) -> pd.DataFrame:
        """The raw request columns its model takes, for the days of `daily`."""
        return request_frame(daily, required_inputs(self.features))

    def build(self, feature_settings: FeatureSettings, extra: dict[str, Any]) -> DayLengthScaled:
        """The static model: the family's estimator on the configuration's features."""
        estimator = family(self.family).estimator(**self.params, **extra)
        return make_model(self.features, feature_settings, estimator)

    @property
    def trusted_types(self) -> list[str]:
        """The types beyond skops' defaults its saved model may hold."""
        return list(family(self.family).TRUSTED_TYPES)


@dataclass
class Aggregation:
    """Several families' configurations, each adapting at every candidate state noise,
    combined by online aggregation (`aggregation.ExpertAggregate`) with one of `rules`."""

    experts: list[Configuration]
    rules: list[str]
    learning_rate: float

    family = "aggregate"

    @property
    def name(self) -> str:
        return f"aggregate[{','.join(self.rules)}](" + " ".join(c.name for c in self.experts) + ")"

    @property
    def features(self) -> list[str]:
        """Every expert's features, each once, in the experts' order."""
        return list(dict.fromkeys(f for c in self.experts for f in c.features))

    @property
    def trusted_types(self) -> list[str]:
        experts = (t for c in self.experts for t in c.trusted_types)
        return list(dict.fromkeys([*AGGREGATION_TYPES, *experts]))


@dataclass
class Result:
    configuration: Configuration
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def family_extra(settings: Settings, name: str) -> dict[str, Any]:
    """Family settings that are not a grid axis (PTG's bounds). The backtest's article KNN
    runs whether or not `families` lists knn."""
    section = settings.families.get(name)
    bounds = None if section is None else section.bounds
    return {"bounds": {k: list(v) for k, v in bounds.items()}} if bounds is not None else {}


def feature_set(settings: Settings, name: str, key: str) -> list[str]:
    """The columns of feature set `name` (each a feature the code knows: see `Settings`)."""
    sets = settings.features.sets
    if name not in sets:
        raise _bad(key, f"a feature set of features.sets {sorted(sets)}", name)
    return list(sets[name])


def configurations(settings: Settings, name: str) -> list[Configuration]:
    """Every configuration of family `name`, each checked before anything is fitted."""
    if name not in settings.families:
        raise _bad("families", f"a key among {list(settings.families)}", name)
    section = settings.families[name]
    if not section.feature_sets:
        raise _bad(f"families.{name}.feature_sets", "a non-empty list of feature set names", [])
    grid = section.grid
    if any(not values for values in grid.values()):
        raise _bad(f"families.{name}.grid", "a mapping of setting to a non-empty list", grid)
    feature_settings = settings.feature_settings
    extra = family_extra(settings, name)
    out = []
    for feature_set_name in section.feature_sets:
        features = feature_set(settings, feature_set_name, f"families.{name}.feature_sets")
        for values in itertools.product(*grid.values()):
            config = Configuration(
                name, feature_set_name, features, dict(zip(grid, values, strict=True))
            )
            _check(config, feature_settings, extra)
            out.append(config)
    return out


def _bad(key: str, expected: str, got: Any) -> InputError:
    return InputError(f"{key}: expected {expected}, got {got!r}", source=PARAMS_FILE)


def _check(config: Configuration, settings: FeatureSettings, extra: dict[str, Any]) -> None:
    try:
        top = config.build(settings, extra).get_params()["estimator__model"]
        nested = [v for v in top.get_params(deep=True).values() if isinstance(v, BaseEstimator)]
        for estimator in (top, *nested):
            # scikit-learn checks parameter values at fit time; ask it now, before any fit.
            estimator._validate_params()
    except (TypeError, ValueError, AttributeError) as err:
        raise _bad(
            f"families.{config.family}.grid",
            "settings the estimator accepts",
            f"{config.params}: {err}",
        ) from None


def split(daily: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and test [test_start, test_end] periods of `daily`: training is every day
    from data.start whole at the issue time of the first test day's forecast (to test_start -
    2 at 09:00 on D-1), so that no test forecast is made by a model that saw a later hour."""
    periods = settings.split
    dates = pd.to_datetime(daily["date"])
    test_start = pd.Timestamp(periods.test_start)
    test_end = dates.max() if periods.last_day is None else pd.Timestamp(periods.last_day)
    known = test_start - pd.Timedelta(days=settings.feature_settings.complete_lag_days)
    train = daily[dates <= known].reset_index(drop=True)
    test = daily[(dates >= test_start) & (dates <= test_end)].reset_index(drop=True)
    span = f"the data covers {dates.min().date()} to {dates.max().date()}"
    if train.empty:
        raise InputError(
            f"split.test_start {test_start.date()}: no training days before it; {span}",
            source=PARAMS_FILE,
        )
    if test.empty:
        raise InputError(
            f"split.test_start..split.test_end ({test_start.date()} to "
            f"{test_end.date()}) overlaps no data; {span}",
            source=PARAMS_FILE,
        )
    if test_end > dates.max():
        raise InputError(
            f"split.test_end {test_end.date()} is after the last day of the data; {span}: "
            "set split.test_end to it rather than test on fewer days than asked",
            source=PARAMS_FILE,
        )
    return train, test


def preceded(daily: pd.DataFrame, part: pd.DataFrame, days: int) -> pd.DataFrame:
    """`part` with the `days` days of `daily` before it: the past a forecast may look back on."""
    dates = pd.to_datetime(daily["date"])
    first = pd.to_datetime(part["date"]).min() - pd.Timedelta(days=days)
    last = pd.to_datetime(part["date"]).max()
    return daily[(dates >= first) & (dates <= last)].reset_index(drop=True)


def folds(cv: CvSettings, n_rows: int) -> TimeSeriesSplit:
    """Expanding windows whose first training window holds `cv.min_train_days` days.

    Consumption is seasonal: a fold that trains on half a year has never seen a winter.
    """
    if cv.folds >= n_rows:
        raise _bad("cv.folds", f"an integer from 2 to {n_rows - 1}", cv.folds)
    if cv.min_train_days > n_rows - cv.folds:
        raise _bad(
            "cv.min_train_days",
            f"an integer from 1 to {n_rows - cv.folds} (the training period has {n_rows} days)",
            cv.min_train_days,
        )
    return TimeSeriesSplit(n_splits=cv.folds, test_size=(n_rows - cv.min_train_days) // cv.folds)


def cross_validated_scores(
    model: BaseEstimator,
    X: pd.DataFrame,
    y: np.ndarray,
    splitter: TimeSeriesSplit,
    history: int = 0,
) -> dict[str, float]:
    """Mean CV scores over expanding-window folds, and mean seconds to fit and predict.

    Each validation fold is predicted with the `history` days before it in the request, as a
    forecaster knows the past days' weather: the smoothed temperatures then match the pipeline's.
    """
    per_fold = []
    fit_seconds = predict_seconds = 0.0
    for train_idx, valid_idx in splitter.split(X):
        fold_model = clone(model)
        t0 = time.perf_counter()
        fold_model.fit(X.iloc[train_idx], y[train_idx])
        t1 = time.perf_counter()
        first = max(0, valid_idx[0] - history)
        predicted = fold_model.predict(X.iloc[first : valid_idx[-1] + 1])[valid_idx[0] - first :]
        t2 = time.perf_counter()
        fit_seconds += t1 - t0
        predict_seconds += t2 - t1
        per_fold.append(scores(y[valid_idx], predicted))
    n = len(per_fold)
    result = {f"cv_{k}": float(np.mean([f[k] for f in per_fold])) for k in per_fold[0]}
    return result | {"fit_seconds": fit_seconds / n, "predict_seconds": predict_seconds / n}


@contextlib.contextmanager
def recorded_warnings() -> Iterator[list[str]]:
    """Every warning raised inside the block, as sorted 'Category: message' lines, on exit."""
    lines: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield lines
    lines.extend(sorted({f"{w.category.__name__}: {w.message}" for w in caught}))


def served_model(config: Configuration | Aggregation, settings: Settings) -> ConformalQuantiles:
    """The unfitted model `config` serves as: the static pipeline, adapted as `adapt` says
    (for an `Aggregation`, each expert's, aggregated), with the bands
    `forecast.interval_levels` asks for."""
    feature_settings = settings.feature_settings
    adapt, intervals = settings.adapt, settings.intervals
    adaptation: dict[str, Any] | None = None
    if adapt.method != "none":
        adaptation = {
            "features": feature_set(settings, adapt.feature_set, "adapt.feature_set"),
            "settings": feature_settings.for_model(),
            "state_noise": list(adapt.state_noise),
            "observation_noise": adapt.observation_noise,
            "selection_days": adapt.selection_days,
        }
    bands: dict[str, Any] = {
        "levels": list(settings.forecast.interval_levels),
        "method": intervals.method,
        "learning_rate": intervals.learning_rate,
        "calibration_days": intervals.calibration_days,
        "complete_lag_days": feature_settings.complete_lag_days,
    }
    if isinstance(config, Aggregation):
        if adaptation is None:
            raise _bad("adapt.method", "kalman: the experts aggregated adapt", adapt.method)
        experts = [
            KalmanAdaptive(
                e.build(feature_settings, family_extra(settings, e.family)), **adaptation
            )
            for e in config.experts
        ]
        aggregate = ExpertAggregate(
            experts,
            rules=list(config.rules),
            learning_rate=config.learning_rate,
            complete_lag_days=feature_settings.complete_lag_days,
        )
        return ConformalQuantiles(aggregate, **bands)
    static = config.build(feature_settings, family_extra(settings, config.family))
    return served_forecaster(static, adaptation=adaptation, bands=bands)


def served_inputs(
    config: Configuration | Aggregation, settings: Settings, daily: pd.DataFrame
) -> pd.DataFrame:
    """The request columns the served model of `config` takes, for the days of `daily`."""
    columns = required_inputs(config.features)
    if settings.adapt.method != "none":
        design = feature_set(settings, settings.adapt.feature_set, "adapt.feature_set")
        columns += [c for c in required_inputs(design) if c not in columns]
        # What the adaptation reads of the day known to the issue time.
        if settings.forecast.issue_time is not None:
            columns.append(CONSUMPTION_TO_ISSUE)
    return request_frame(daily, columns)


def reported_configuration(settings: Settings, name: str, report: dict[str, Any]) -> Configuration:
    """The configuration `train@<name>` chose, from its report (`reports/train/<name>.json`)."""
    features = feature_set(settings, report["feature_set"], f"families.{name}.feature_sets")
    return Configuration(name, report["feature_set"], features, report["params"])


def aggregation(settings: Settings, reports: dict[str, dict[str, Any]]) -> Aggregation:
    """The aggregate of the experts' configurations, from the train stage's `reports`."""
    cfg = settings.aggregate
    experts = [reported_configuration(settings, n, reports[n]) for n in settings.experts]
    return Aggregation(experts, list(cfg.rules), cfg.learning_rate)


def candidate_configuration(
    settings: Settings, name: str, reports: dict[str, dict[str, Any]]
) -> Configuration | Aggregation:
    """What candidate `name` (a family or `aggregate`) serves, from the train stage's reports."""
    if name == "aggregate":
        return aggregation(settings, reports)
    return reported_configuration(settings, name, reports[name])


def forecast_description(settings: Settings) -> dict[str, Any]:
    """What a served model's MLmodel metadata say of its forecasts: when they are issued, and
    the weather its bands were calibrated with (`intervals.weather`)."""
    bands = settings.intervals
    weather: dict[str, str | float] = {"weather": bands.weather}
    if bands.weather == "simulated":
        weather["weather_error"] = bands.weather_error
    issued = settings.forecast.model_dump(include={"horizon_days", "issue_time"})
    return issued | {"bands": weather}


def load_profile(settings: Settings) -> LoadProfile:
    """The curve's profile model as `curve` and `intervals` say, unfitted."""
    return LoadProfile(
        features=feature_set(settings, settings.curve.feature_set, "curve.feature_set"),
        interactions=list(settings.curve.interactions),
        settings=settings.feature_settings.for_model(),
        alphas=list(settings.curve.alphas),
        folds=settings.cv.folds,
        calibration_days=settings.intervals.calibration_days,
        levels=list(settings.forecast.interval_levels),
    )


def served_request(
    config: Configuration | Aggregation, settings: Settings, days: pd.DataFrame
) -> pd.DataFrame:
    """The request a forecaster sends the served model of `config` for `days`: its columns, and
    the consumption of every day, of which the model reads what its issue time knows."""
    inputs = served_inputs(config, settings, days)
    return inputs.assign(**{CONSUMPTION: days[CONSUMPTION].to_numpy()})


def refit(
    config: Configuration | Aggregation,
    train: pd.DataFrame,
    settings: Settings,
    weather: issuing.Weather | None,
) -> tuple[BaseEstimator, pd.DataFrame, list[str]]:
    """`config`'s served model fitted on the whole training period, its inputs, its warnings;
    its bands calibrated on days asked as issued with the forecast days' temperatures that
    `weather` gives (None: the observed ones)."""
    inputs = served_inputs(config, settings, train)
    requests = None
    if weather is not None:
        held = calibration_size(settings.intervals.calibration_days, len(train))
        first = pd.Timestamp(train["date"].iloc[len(train) - held])
        look_back = history_days(settings.feature_settings)
        issued = issuing.interleaved_requests(
            train, first, settings.forecast, settings.adapt.warmup_days, look_back, weather
        )
        requests = [(served_request(config, settings, days), rows) for days, rows in issued]
    with recorded_warnings() as caught:
        model = served_model(config, settings).fit(
            inputs, train[CONSUMPTION].to_numpy(), calibration_requests=requests
        )
    return model, inputs, caught


def search(
    configs: Iterable[Configuration],
    train: pd.DataFrame,
    settings: Settings,
    report: Callable[[Result], None] = lambda result: None,
) -> list[Result]:
    """Cross-validate every configuration where `compute` says; one that raises is kept as
    failed. `report` sees each result in grid order, as it comes."""
    configs = list(configs)
    y = train["consumption_mwh"].to_numpy()
    splitter = folds(settings.cv, len(train))
    history = history_days(settings.feature_settings)
    results = []
    with compute.tasks(settings.compute, shared=(train, y)) as run:
        calls = (
            (_cross_validated, config, train, y, splitter, history, settings) for config in configs
        )
        for result in progress_bar("search", len(configs), "configuration", run(calls)):
            report(result)
            results.append(result)
    return results


def _cross_validated(
    config: Configuration,
    train: pd.DataFrame,
    y: np.ndarray,
    splitter: TimeSeriesSplit,
    history: int,
    settings: Settings,
) -> Result:
    extra = family_extra(settings, config.family)
    with recorded_warnings() as caught:
        try:
            model = config.build(settings.feature_settings, extra)
            result = Result(
                config, cross_validated_scores(model, config.inputs(train), y, splitter, history)
            )
        except Exception as err:
            error = "".join(traceback.format_exception_only(type(err), err)).strip()
            result = Result(config, error=error)
    result.warnings = caught
    return result


def best_configuration(results: list[Result], metric: str) -> Result:
    fitted = [r for r in results if r.error is None]
    if not fitted:
        raise InputError(f"every configuration failed; first error: {results[0].error}")
    # Ties go to the first configuration in grid order, so the choice is deterministic.
    return min(fitted, key=lambda r: r.metrics[f"cv_{metric}"])


def dayahead_report(model: ConformalQuantiles) -> dict[str, float]:
    """How a served model forecast the training period's held-out days, tracking, if it
    adapts, and how wide its calibrated bands are (in % of the forecast)."""
    bands = {
        f"band_{level_name(level)}_percent": float((np.exp(high) - np.exp(low)) * 100)
        for level, (low, high) in model.calibration_bands().items()
    }
    adaptive = model.forecaster_
    if isinstance(adaptive, ExpertAggregate):
        return {"holdout_mape": adaptive.selection_mape_[adaptive.rule_] * 100} | bands
    if not isinstance(adaptive, KalmanAdaptive):
        return bands
    return {
        "holdout_mape": min(adaptive.selection_mape_) * 100,
        "state_noise": adaptive.state_noise_ratio_,
        "observation_noise": adaptive.observation_noise_,
    } | bands


def selected_family(settings: Settings, reports: dict[str, dict[str, Any]]) -> str:
    """The candidate `select` serves: `model` by name, or for `auto` the best on training
    data.

    `reports` are the train and aggregate stages' per candidate: `cv` scores (families), and
    `dayahead` when it adapts.
    """
    if settings.model != "auto":
        return settings.model
    adapting = all("holdout_mape" in r["dayahead"] for r in reports.values())
    if settings.select.forecast == "dayahead" and adapting:
        return min(settings.candidates, key=lambda n: reports[n]["dayahead"]["holdout_mape"])
    # The aggregate has no CV score: it is chosen on its day-ahead forecast only.
    return min(settings.families, key=lambda n: reports[n]["cv"][settings.select.metric])
