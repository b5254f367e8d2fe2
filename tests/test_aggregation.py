"""Online aggregation of experts: the rules on problems whose answer is known, the no-future
rule for the weights, and the served aggregate of adapting families."""

from __future__ import annotations

import json
import re
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from conftest import all_runs, client, ridge, settings_with_sections

from energy_forecast.core.aggregation import (
    RULES,
    ExpertAggregate,
    Rule,
    aggregate_weights,
    linearized_regrets,
)
from energy_forecast.core.features import CONSUMPTION
from energy_forecast.modeling.saving import request_frame, required_columns
from energy_forecast.modeling.training import (
    Aggregation,
    Configuration,
    feature_set,
    served_inputs,
    served_model,
)
from energy_forecast.tracking.lineage import locked_md5s


def stationary(days: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A load and three experts sharing a 1 % error: the first unbiased, the others 4 % and
    7 % high, so that every mixture with them is worse than the first alone."""
    rng = np.random.default_rng(seed)
    actual = 1.5e6 * (1 + 0.2 * np.sin(np.arange(days) / 58))
    shared = 0.01 * rng.normal(size=(days, 1))
    return actual, actual[:, None] * (1 + np.array([0.0, 0.04, 0.07]) + shared)


@pytest.mark.parametrize("name", RULES)
def test_the_weights_converge_to_the_best_expert_on_a_stationary_problem(name: str) -> None:
    actual, forecasts = stationary(1500)
    weights = aggregate_weights(
        Rule(name, 3, learning_rate=100.0), forecasts, actual, np.arange(1500), 1
    )
    np.testing.assert_allclose(weights[0], 1 / 3)
    assert weights[-1, 0] > 0.95
    aggregate = (forecasts * weights).sum(axis=1)
    mape = np.abs(aggregate / actual - 1)[-500:].mean()
    assert mape < 1.05 * np.abs(forecasts[-500:, 0] / actual[-500:] - 1).mean()


def test_ml_poly_keeps_its_regret_bound_on_a_random_problem() -> None:
    """The potential bound behind ML-Poly's regret (Gaillard, Stoltz and van Erven 2014): with
    weights proportional to eta_k (R_k)_+ and nonincreasing rates, sum_k eta_k,T (R_k,T)_+^2
    is at most sum_t sum_k eta_k,t-1 r_k,t^2 (eta_k,1 on the first day); so each expert's
    regret is at most the square root of that sum over eta_k,T."""
    rng = np.random.default_rng(7)
    actual = rng.uniform(0.8, 1.2, size=400)
    forecasts = rng.uniform(0.7, 1.3, size=(400, 5))
    rule = Rule("mlpoly", 5)
    bound = np.zeros(5)
    rates = None
    moved = 0.0
    for t in range(400):
        regret = linearized_regrets(forecasts[t], actual[t], rule.weights())
        moved += np.abs(regret).max()
        rule.update(regret)
        current = 1 / rule.inverse_rate
        bound += (current if rates is None else rates) * regret**2
        rates = current
        assert (rates * np.maximum(rule.regret, 0) ** 2).sum() <= bound.sum() * (1 + 1e-12)
    assert (rule.regret <= np.sqrt(bound.sum() / rates)).all()
    # Sublinear: a small share of what the instantaneous regrets add up to.
    assert rule.regret.max() < 0.1 * moved


def test_a_days_weights_use_the_errors_known_at_its_issue_time_only() -> None:
    actual, forecasts = stationary(200)
    days = np.arange(200)
    weights = aggregate_weights(Rule("mlpoly", 3), forecasts, actual, days, 2)
    later = actual.copy()
    later[149:] *= 1.3  # day 149 is D - 1 of day 150: not known whole at its issue time
    moved = aggregate_weights(Rule("mlpoly", 3), forecasts, later, days, 2)
    np.testing.assert_array_equal(moved[:151], weights[:151])
    assert not np.array_equal(moved[151:], weights[151:])
    unknown = actual.copy()
    unknown[100] = np.nan  # a day whose consumption the request lacks moves nothing
    skipped = aggregate_weights(Rule("mlpoly", 3), forecasts, unknown, days, 2)
    np.testing.assert_array_equal(skipped[:102], weights[:102])


@pytest.fixture(scope="module")
def served(synthetic_daily):
    """The served aggregate of a tracking ridge and PTG, fitted on the generated years before
    2018, and the days of 2018's first half with the months before."""
    settings = settings_with_sections(
        adapt={"state_noise": [0.0, 0.1]}, forecast={"issue_time": None}
    )
    ptg = Configuration("ptg", "ptg_calendar", feature_set(settings, "ptg_calendar", "t"), {})
    config = Aggregation([ridge(settings), ptg], ["mlpoly", "boa"], 100.0)
    dates = pd.to_datetime(synthetic_daily["date"])
    train = synthetic_daily[dates < "2018-01-01"]
    model = served_model(config, settings).fit(
        served_inputs(config, settings, train), train[CONSUMPTION].to_numpy()
    )
    later = synthetic_daily[(dates >= "2017-10-01") & (dates <= "2018-06-30")]
    return model, served_inputs(config, settings, later).assign(
        **{CONSUMPTION: later[CONSUMPTION].to_numpy()}
    )


def test_the_aggregate_is_fitted_on_held_out_days_and_calibrates_the_bands(served) -> None:
    model, _ = served
    aggregate = model.forecaster_
    assert isinstance(aggregate, ExpertAggregate)
    assert aggregate.rule_ in ("mlpoly", "boa")
    assert aggregate.rule_ == min(aggregate.selection_mape_, key=aggregate.selection_mape_.get)
    # Two experts at two state noises each: four columns weighed.
    assert aggregate.state_.weights().shape == (4,)
    # The bands calibrate on the aggregate's own held-out errors.
    np.testing.assert_array_equal(model.calibration_errors_, aggregate.held_out_errors_)


def test_the_served_aggregate_forecasts_each_day_from_what_was_known_before_it(served) -> None:
    model, request = served
    full = model.predict(request)
    dates = pd.to_datetime(request["date"])
    for day in ("2018-02-14", "2018-05-02"):
        cut = request[dates <= day].assign(
            **{CONSUMPTION: request[CONSUMPTION].where(dates < day)[dates <= day]}
        )
        assert model.predict(cut)[-1] == pytest.approx(full[dates == day][0], rel=1e-12)
    # Without consumption: the experts' static forecasts, weighted as the training ended.
    static = model.predict(request.drop(columns=CONSUMPTION))
    experts = np.column_stack(
        [e.predict_each(request.drop(columns=CONSUMPTION)) for e in model.forecaster_.experts_]
    )
    np.testing.assert_allclose(static, experts @ model.forecaster_.state_.weights())
    assert not np.allclose(static, full)


@pytest.mark.slow
def test_the_pipeline_fits_logs_evaluates_and_serves_the_aggregate(trained_repo: Path) -> None:
    report = json.loads((trained_repo / "reports/aggregate.json").read_text())
    assert list(report["experts"]) == ["ridge", "ptg"]
    assert report["rule"] in ("mlpoly", "boa")
    assert report["dayahead"]["holdout_mape"] == pytest.approx(
        report["selection_mape"][report["rule"]]
    )
    # Two experts at each of adapt.state_noise's six ratios.
    assert len(report["weights"]) == 12
    assert sum(report["weights"].values()) == pytest.approx(1.0, abs=1e-5)
    (run,) = [r for r in all_runs(trained_repo) if r.info.run_name == "aggregate"]
    assert run.data.params["experts"] == "ridge,ptg"
    assert run.data.params["rule"] == report["rule"]
    assert "dayahead_holdout_mape" in run.data.metrics
    # Like a train@ run, it names the data that fitted it.
    (dataset,) = client(trained_repo).get_run(run.info.run_id).inputs.dataset_inputs
    assert dataset.dataset.digest == locked_md5s(trained_repo)["data/processed/daily.parquet"]
    # A candidate beside the families: tested, compared and chosen among them.
    families = json.loads((trained_repo / "reports/families.json").read_text())
    assert set(families) == {"knn", "mlp", "ptg", "ridge", "gbm", "blend", "aggregate"}
    comparison = (trained_repo / "reports/comparison.md").read_text()
    assert re.search(r"^\| (\*\*)?aggregate\b", comparison, re.MULTILINE)
    predictions = pd.read_csv(trained_repo / "reports/predictions.csv")
    model = mlflow.pyfunc.load_model(str(trained_repo / "models/aggregate"))
    daily = pd.read_parquet(trained_repo / "data/processed/daily.parquet")
    test = daily[daily["date"] >= pd.Timestamp(predictions["date"].iloc[0])]
    request = request_frame(daily, required_columns(model.metadata)).iloc[-len(test) - 60 :]
    answer = model.predict(request)
    assert list(answer.columns) == [CONSUMPTION, "lower_80", "upper_80", "lower_95", "upper_95"]
    np.testing.assert_allclose(
        answer[CONSUMPTION].to_numpy()[-len(test) :], predictions["aggregate"], rtol=1e-6
    )
