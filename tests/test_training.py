"""Cross-validation folds and the choice of the selected family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import PARAMS, ROOT, ridge
from sklearn.base import clone

from energy_forecast import backtesting
from energy_forecast.core.errors import InputError
from energy_forecast.core.families import family
from energy_forecast.core.features import history_days
from energy_forecast.core.served import make_model
from energy_forecast.modeling.metrics import scores
from energy_forecast.modeling.training import (
    cross_validated_scores,
    folds,
    preceded,
    selected_family,
)
from energy_forecast.runtime.settings import CvSettings, FeatureSettings, parse


def test_every_fold_trains_on_at_least_min_train_days() -> None:
    splits = list(folds(CvSettings(folds=3, min_train_days=365), 731).split(range(731)))
    assert [len(train) for train, _ in splits] == [365, 487, 609]
    assert [len(valid) for _, valid in splits] == [122, 122, 122]
    assert all(train.max() < valid.min() for train, valid in splits)
    with pytest.raises(InputError, match=r"cv\.min_train_days"):
        folds(CvSettings(folds=3, min_train_days=730), 731)


def test_selection_by_name_by_held_out_score_or_by_cv() -> None:
    reports = {
        "knn": {"cv": {"rmse": 3.0, "mape": 1.0}, "dayahead": {"holdout_mape": 0.9}},
        "ridge": {"cv": {"rmse": 2.0, "mape": 2.0}, "dayahead": {"holdout_mape": 1.1}},
        # The aggregate of the experts `families` trains (ridge here): no CV of its own.
        "aggregate": {"dayahead": {"holdout_mape": 1.0}},
    }
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw["families"] = {name: raw["families"][name] for name in ("knn", "ridge")}

    def selected(reports=reports, **override) -> str:
        return selected_family(parse(raw | override), reports)

    assert selected() == "knn"
    assert selected(reports | {"aggregate": {"dayahead": {"holdout_mape": 0.8}}}) == "aggregate"
    assert selected(select={"forecast": "static"}) == "ridge"
    assert selected(select={"forecast": "static", "metric": "mape"}) == "knn"
    assert selected(model="ridge") == "ridge"
    assert selected(model="aggregate") == "aggregate"
    # Static served models (adapt.method: none) report their bands only, and aggregate
    # nothing: selected by CV.
    static = {n: r | {"dayahead": {"band_80_percent": 3.0}} for n, r in reports.items()}
    assert selected(static, adapt={"method": "none"}) == "ridge"
    with pytest.raises(
        InputError, match=r"model: expected 'auto' or one of \['knn', 'ridge', 'aggregate'\]"
    ):
        selected(model="prophet")
    with pytest.raises(InputError, match=r"model: expected 'auto' or one of \['knn', 'ridge'\]"):
        selected(model="aggregate", aggregate={"experts": []})


def test_validation_days_are_forecast_with_the_weather_before_them() -> None:
    """CV predicts each fold as the full-period pipeline does, preceding days included."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2016-01-01", periods=500)
    t = 12 + 8 * np.sin(2 * np.pi * np.arange(500) / 365) + rng.normal(0, 3, 500)
    X = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "wavg_mean_temperature": t})
    y = 1.2e6 + 6e4 * np.maximum(0, 15 - pd.Series(t).ewm(halflife=5).mean().to_numpy())
    model = make_model(
        ["slow_smoothed_temperature", "slow_heating_degrees"],
        FeatureSettings(),
        family("ridge").estimator(),
    )
    splitter = folds(CvSettings(folds=2, min_train_days=300), 500)
    expected = []
    for train_idx, valid_idx in splitter.split(X):
        whole = clone(model).fit(X.iloc[train_idx], y[train_idx]).predict(X)
        expected.append(scores(y[valid_idx], whole[valid_idx])["rmse"])
    history = history_days(FeatureSettings())
    assert history == 27
    assert cross_validated_scores(model, X, y, splitter, history)["cv_rmse"] == pytest.approx(
        np.mean(expected), rel=1e-9
    )
    assert cross_validated_scores(model, X, y, splitter)["cv_rmse"] != pytest.approx(
        np.mean(expected)
    )


def test_preceded_adds_the_days_before_a_period() -> None:
    daily = pd.DataFrame({"date": pd.date_range("2018-01-01", "2018-03-31")})
    test = daily[daily["date"] >= "2018-03-01"]
    window = preceded(daily, test, 27)
    assert window["date"].iloc[0] == pd.Timestamp("2018-02-02")
    assert window["date"].iloc[-1] == pd.Timestamp("2018-03-31") and len(window) == 31 + 27


@pytest.mark.slow
def test_the_backtest_on_local_processes_is_the_one_process_backtest(synthetic_daily) -> None:
    settings = parse(
        PARAMS | {"backtest": {"start": "2017-01-01", "end": "2017-03-31", "train_days": 730}}
    )
    config, article = ridge(settings), backtesting.article_configuration(settings)
    pd.testing.assert_frame_equal(
        backtesting.rolling_forecasts(synthetic_daily, settings, config, article, 1),
        backtesting.rolling_forecasts(synthetic_daily, settings, config, article, 2),
        check_exact=True,
    )


def archive(observed: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Weather forecasts of `days` as `read_temperature_forecasts` gives them: each day
    forecast at 06:00 the day before (observed + 1 °C) and on the day (+ 0.5 °C), and at 10:00
    the day before (+ 9 °C), after a 09:00 issue."""
    paris = "Europe/Paris"
    rows = observed[observed["date"].isin(days)]
    issues = {(1, 6): 1.0, (0, 6): 0.5, (1, 10): 9.0}
    parts = []
    for (lead, hour), shift in issues.items():
        issued = (rows["date"] - pd.Timedelta(days=lead, hours=-hour)).dt.tz_localize(paris)
        parts.append(
            rows.assign(
                **{s: rows[s] + shift for s in ("min", "max", "mean")},
                issued=issued.dt.tz_convert("UTC"),
            )
        )
    table = pd.concat(parts, ignore_index=True)
    return table.assign(line=np.arange(len(table)) + 2)


@pytest.mark.slow
def test_with_weather_forecasts_no_observed_temperature_of_a_day_forecast_is_read(
    synthetic_daily, synthetic_exports
) -> None:
    """At 09:00 on D-1 the forecast of D reads D-1's and D's temperatures as forecast by then
    (D-1's of 06:00 that day, D's of 06:00 the day before), never their observations nor a
    forecast issued later; D-2's observations it reads."""
    from energy_forecast.data.temperature_export import read_temperature

    window = {"start": "2017-01-01", "end": "2017-01-08", "train_days": 730}
    settings = parse(PARAMS | {"backtest": PARAMS["backtest"] | window | {"weather": "forecast"}})
    config, article = ridge(settings), backtesting.article_configuration(settings)
    observed = read_temperature(synthetic_exports[1])
    days = pd.date_range("2016-12-30", "2017-01-08")
    forecasts = archive(observed, days)

    def backtest(daily: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
        table = backtesting.rolling_forecasts(daily, settings, config, article, 1, forecasts)
        return table.set_index("date")["adaptive"]

    base = backtest(synthetic_daily, forecasts)
    assert list(base.index) == [d.strftime("%Y-%m-%d") for d in days[2:]]
    with_observed = backtesting.rolling_forecasts(
        synthetic_daily,
        parse(PARAMS | {"backtest": PARAMS["backtest"] | window}),
        config,
        article,
        1,
    )
    assert not np.allclose(base, with_observed.set_index("date")["adaptive"])

    # Another observation of 4 January: the forecasts of the 4th and 5th, for which it was a
    # forecast day, do not change; from the 6th on, whose smoothed temperatures hold it, they do.
    dates = pd.to_datetime(synthetic_daily["date"])
    columns = [c for c in synthetic_daily.columns if c.endswith("_temperature")]
    warmer = synthetic_daily.copy()
    warmer.loc[dates == "2017-01-04", columns] += 3.0
    changed = backtest(warmer, forecasts) != base
    assert list(changed[changed].index) == ["2017-01-06", "2017-01-07", "2017-01-08"]

    # A forecast issued after 09:00 on D-1 changes nothing; D's of 06:00 on D-1 changes D's.
    late = forecasts["issued"].dt.tz_convert("Europe/Paris").dt.hour == 10
    moved = forecasts.assign(mean=forecasts["mean"].where(~late, forecasts["mean"] - 20))
    pd.testing.assert_series_equal(backtest(synthetic_daily, moved), base)
    day_before = (forecasts["date"] == "2017-01-05") & (
        forecasts["issued"] == pd.Timestamp("2017-01-04 05:00", tz="UTC")
    )
    moved = forecasts.assign(mean=forecasts["mean"].where(~day_before, forecasts["mean"] + 3))
    changed = backtest(synthetic_daily, moved) != base
    assert list(changed[changed].index) == ["2017-01-05"]


def test_the_core_requirements_are_the_distributions_python_finds_for_its_imports() -> None:
    import sys
    from importlib.metadata import packages_distributions, version

    from energy_forecast.modeling.saving import CORE_DIR, _imported_modules, core_requirements

    modules = _imported_modules(CORE_DIR) - set(sys.stdlib_module_names) - {"energy_forecast"}
    by_module = packages_distributions()
    expected = set()
    for module in modules:
        found = by_module[module]
        name = next((d for d in found if d.lower() == module), found[0])
        expected.add(f"{name}=={version(name)}")
    assert core_requirements() == sorted(expected)
    assert any(pin.startswith("scikit-learn==") for pin in expected)
