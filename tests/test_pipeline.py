"""The trained repository as users read it: MLflow lineage, the registry, saved models, the
metrics and plots DVC shows."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import yaml
from conftest import BIN, ROOT, SMALL, TRAINED_CANDIDATES, all_runs, client, run

from energy_forecast.modeling.saving import required_columns
from energy_forecast.runtime.paths import candidate_model
from energy_forecast.tracking.lineage import DATA_FILES, locked_md5s

pytestmark = pytest.mark.slow
DVC = str(BIN / "dvc")


def test_every_run_names_the_data_that_made_it(trained_repo: Path) -> None:
    locked = locked_md5s(trained_repo)
    runs = all_runs(trained_repo)
    pipelines = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(pipelines) == 1
    pipeline = pipelines[0]
    assert pipeline.info.run_name.startswith("dvc repro ")
    by_parent: dict[str, list] = {}
    for r in runs:
        by_parent.setdefault(r.data.tags.get("mlflow.parentRunId"), []).append(r)
    stages = by_parent[pipeline.info.run_id]
    stage_names = [f"train@{f}" for f in SMALL["families"]]
    stage_names += ["aggregate", "evaluate", "select", "backtest"]
    assert sorted(r.data.tags["dvc.stage"] for r in stages) == sorted(stage_names)
    assert all(r.info.run_name == r.data.tags["dvc.stage"] for r in stages)
    configurations = [r for s in stages for r in by_parent.get(s.info.run_id, [])]
    assert len(configurations) == 7 and len(runs) == 1 + len(stages) + 7
    for r in runs:
        for tag, path in DATA_FILES.items():
            assert r.data.tags[tag] == locked[str(path)], (tag, r.info.run_name)
        assert r.data.tags["data.source"] == "synthetic"
        assert len(r.data.tags["git.commit"]) == 40
        # DVC rewrote dvc.lock and the outputs; the code and params are the commit's.
        assert r.data.tags["git.dirty"] == "false"
        # As MLflow sets them on a run it starts itself: who ran it, and what.
        assert r.data.tags["mlflow.user"] and r.data.tags["mlflow.source.name"], r.info.run_name
    for stage in stages:
        # Named by their place in the grid first: the UI's 30 characters tell them apart.
        names = sorted(r.info.run_name for r in by_parent.get(stage.info.run_id, []))
        total = len(names)
        assert [n.split(" ", 1)[0] for n in names] == [f"{i}/{total}" for i in range(1, total + 1)]
        assert len({n[:30] for n in names}) == total
    for r in configurations:
        assert r.data.tags["model"] in SMALL["families"]
        assert r.data.tags["inputs"] in ("all", "mean_avg", "mean_wavg", "load")
        assert {"cv_rmse", "cv_mae", "cv_mape", "cv_r2", "fit_seconds", "predict_seconds"} <= set(
            r.data.metrics
        )
    named = {r.data.tags["dvc.stage"]: r for r in stages}
    backtest = named["backtest"]
    figures = [a.path for a in client(trained_repo).list_artifacts(backtest.info.run_id)]
    assert "backtest.png" in figures
    reported = json.loads((trained_repo / "reports/backtest.json").read_text())
    assert backtest.data.metrics["adaptive_overall_mape"] == pytest.approx(
        reported["adaptive"]["overall"]["mape"], rel=1e-5
    )
    knn = named["train@knn"]
    inputs = client(trained_repo).get_run(knn.info.run_id).inputs.dataset_inputs
    assert inputs[0].dataset.digest == locked["data/processed/daily.parquet"]
    # The test period is scored by evaluate, in its own run: no stage writes into another's.
    assert not any(k.startswith("test_") for k in knn.data.metrics)
    evaluate = named["evaluate"]
    assert {f"{f}_test_rmse" for f in TRAINED_CANDIDATES} <= set(evaluate.data.metrics)
    artifacts = [a.path for a in client(trained_repo).list_artifacts(evaluate.info.run_id)]
    assert "test_predictions_knn.png" in artifacts
    # The test figures were measured with the target days' observed temperatures, and say so.
    assert evaluate.data.params["test.weather"] == "observed"
    assert named["select"].data.params["test.weather"] == "observed"


def test_each_stage_run_lasts_as_long_as_its_stage(trained_repo: Path) -> None:
    """Stages run one after another: their runs must not overlap, and the pipeline's run spans
    them all. A stage reopening an earlier stage's run would stretch that run over the others."""
    runs = all_runs(trained_repo)
    pipeline = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    stages = sorted(
        (r for r in runs if r.data.tags.get("mlflow.parentRunId") == pipeline.info.run_id),
        key=lambda r: r.info.start_time,
    )
    assert all(r.info.status == "FINISHED" for r in [pipeline, *stages])
    for earlier, later in itertools.pairwise(stages):
        assert earlier.info.end_time <= later.info.start_time, (earlier.info.run_name,)
    assert pipeline.info.start_time <= stages[0].info.start_time
    assert pipeline.info.end_time >= stages[-1].info.end_time


def test_the_registry_describes_the_model_and_each_version(trained_repo: Path) -> None:
    c = client(trained_repo)
    registered = c.get_registered_model("electricity-consumption-forecast")
    assert "daily electricity consumption" in registered.description
    version = c.get_model_version_by_alias("electricity-consumption-forecast", "champion")
    metrics = json.loads((trained_repo / "reports/metrics.json").read_text())
    daily_md5 = locked_md5s(trained_repo)["data/processed/daily.parquet"]
    assert version.description.startswith(metrics["model"])
    assert daily_md5 in version.description
    assert "fitted on every day of the synthetic data, 2016-01-01 to 2017-03-31" in (
        version.description
    )
    assert "training period (2016-01-01 to 2016-12-30, 365 days)" in version.description
    assert f"MAPE {metrics['test']['mape']:.2f} % served day-ahead" in version.description
    assert f"static MAPE {metrics['test']['static']['mape']:.2f} %" in version.description
    # A version keeps the tags users filter by; the rest of its lineage is in its description.
    assert set(version.tags) == {"model", "data.source", "data.features.md5", "git.commit"}
    assert "Lineage: " in version.description and "data.quality.days.kept 456;" in (
        version.description
    )
    assert f"data.raw.consumption.md5 {locked_md5s(trained_repo)['data/raw/consumption.csv']}" in (
        version.description
    )


def test_the_served_model_is_fitted_through_the_last_day_and_says_so(trained_repo: Path) -> None:
    """models/model learns every day of the data; each family's model, scored on the test
    period, the training period only. Each MLmodel says which days fitted it."""
    metrics = json.loads((trained_repo / "reports/metrics.json").read_text())
    served = mlflow.models.Model.load(str(trained_repo / "models/model"))
    assert served.metadata["training"] == {"start": "2016-01-01", "end": "2017-03-31"}
    family = mlflow.models.Model.load(str(trained_repo / candidate_model(metrics["model"])))
    assert family.metadata["training"] == {"start": "2016-01-01", "end": "2016-12-30"}
    # Its bands say the weather they were calibrated with (observed, as the tests set).
    bands = {"weather": "observed"}
    assert served.metadata["forecast"] == {"horizon_days": 1, "issue_time": "09:00", "bands": bands}
    # The headline is the served forecast's, as issued: adapting, it is no worse than static.
    test = metrics["test"]
    assert test["weather"] == "observed" and test["mape"] <= test["static"]["mape"]
    families = json.loads((trained_repo / "reports/families.json").read_text())
    assert families[metrics["model"]]["dayahead"]["mape"] == test["mape"]


def test_a_default_run_warns_nothing_and_opens_on_training_runs(trained_repo: Path) -> None:
    # A family's own fit diagnostics stay: PTG on the 92 days a calibration copy's held-out
    # fit has of this short run puts its threshold on a bound, and says so.
    lines = (trained_repo.parent / "repro.log").read_text().splitlines()
    noise = [line for line in lines if "warning" in line.lower() and ": BoundWarning: " not in line]
    assert not noise, noise
    # MLflow's own news (database set-up, example validation, the registry's prints) is not.
    chatter = ("MLflow database", "Validating input example", "SQLAlchemy", "registered model")
    assert not [line for line in lines if any(c in line for c in chatter)]
    experiment = client(trained_repo).get_experiment_by_name("electricity-consumption-forecast")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"


def test_saved_models_trust_only_what_they_hold(trained_repo: Path) -> None:
    import skops.io

    for name in SMALL["families"]:
        folder = trained_repo / "models" / "families" / name
        flavor = yaml.safe_load((folder / "MLmodel").read_text())["flavors"]["python_function"]
        # Models from code: MLflow runs reviewed code on load, and unpickles nothing.
        assert flavor["loader_module"] == "mlflow.pyfunc.loaders.code_model"
        held = skops.io.get_untrusted_types(file=str(folder / "artifacts" / "estimator.skops"))
        assert sorted(flavor["config"]["skops_trusted_types"]) == sorted(held), name
        pins = (folder / "requirements.txt").read_text().split()
        assert all("==" in pin for pin in pins) and any(p.startswith("mlflow==") for p in pins)
        # What the core imports, and only that: pydantic and scipy in, the pipeline's out.
        names = {pin.split("==")[0] for pin in pins}
        assert {"pydantic", "scipy", "scikit-learn", "skops", "holidays"} <= names
        assert not names & {"dvc", "matplotlib", "PyYAML", "sqlalchemy"}
        # The code it carries is the core alone, not the pipeline.
        code = folder / "code" / "energy_forecast"
        assert (code / "core" / "features.py").exists() and (code / "core" / "served.py").exists()
        assert sorted(p.name for p in code.iterdir()) == ["__init__.py", "core"]
        assert (folder / "input_example.json").exists()


def test_the_served_model_pins_the_locked_versions(trained_repo: Path) -> None:
    def normalized(name: str) -> str:
        # PEP 503: vacances_scolaires_france and vacances-scolaires-france are one project.
        return re.sub(r"[-_.]+", "-", name).lower()

    locked = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            locked[normalized(name)] = version
    pinned = (trained_repo / "models/model/requirements.txt").read_text().split()
    assert len(pinned) >= 5
    for requirement in pinned:
        name, version = requirement.split("==")
        assert locked[normalized(name)] == version, requirement


def test_promoted_model_is_registered_loads_and_predicts(trained_repo: Path) -> None:
    metrics = json.loads((trained_repo / "reports/metrics.json").read_text())
    assert set(metrics) == {"model", "test", "families"}
    assert set(metrics["families"]) == set(TRAINED_CANDIDATES)
    model = mlflow.pyfunc.load_model(str(trained_repo / "models/model"))
    columns = required_columns(model.metadata)
    assert columns[0] == "date"
    frame = pd.DataFrame(
        {"date": ["2017-02-01", "2017-08-01"]} | {c: [3.0, 22.0] for c in columns[1:]}
    )
    answer = model.predict(frame)
    predicted = answer["consumption_mwh"]
    assert len(predicted) == 2 and 1.0e6 < predicted[1] < predicted[0] < 2.5e6
    assert (answer["lower_95"] < answer["lower_80"]).all()
    assert (answer["lower_80"] < predicted).all() and (predicted < answer["upper_80"]).all()
    c = client(trained_repo)
    version = c.get_model_version_by_alias("electricity-consumption-forecast", "champion")
    assert version.tags["model"] == metrics["model"]
    assert (
        version.tags["data.features.md5"]
        == locked_md5s(trained_repo)["data/processed/daily.parquet"]
    )


def test_dvc_lists_headline_metrics_and_draws_every_plot(trained_repo: Path) -> None:
    metrics = json.loads(run(trained_repo, DVC, "metrics", "show", "--json").stdout)
    shown = next(iter(metrics.values()))["data"]
    # Headline figures only: the detail stays versioned, as plain outputs.
    assert set(shown) == {"reports/metrics.json", "reports/backtest_metrics.json"}
    headline = shown["reports/backtest_metrics.json"]["data"]
    assert set(headline) == {"weather", "mape", "coverage_80", "coverage_95", "curve"}
    assert set(headline["curve"]) == {"mape_30min", "mape_1h"}
    # The figures say the weather they were measured on: observed, an upper bound.
    assert headline["weather"] == "observed"
    assert set(headline["mape"]) == {"static", "adaptive", "article"}
    plots = json.loads(run(trained_repo, DVC, "plots", "show", "--json").stdout)["data"]
    assert set(plots) == {
        "Daily consumption over the test period (MWh)",
        "Predicted against actual (MWh)",
        "Day-ahead backtest, forecast and bands (MWh)",
        "Day-ahead backtest, monthly MAPE (%)",
        "Day-ahead curve, a winter week (MW)",
        "Day-ahead curve, MAPE by hour of the day (%)",
    }
    for title, (plot,) in plots.items():
        spec = plot["content"]
        values = spec["data"]["values"]
        assert values, title
        x = spec["encoding"]["x"]
        # A date on a quantitative axis draws nothing: every date axis is a time axis.
        if x["field"] in ("date", "month", "start"):
            assert x["type"] == "temporal", title
            assert pd.Timestamp(values[0][x["field"]][:10]) >= pd.Timestamp("2016-01-01")
        colour = spec["encoding"].get("color") or spec["layer"][0]["encoding"]["color"]
        if "field" in colour:
            assert colour["field"] == "field", title
            assert len({v["field"] for v in values}) > 1, title
    bands = plots["Day-ahead backtest, forecast and bands (MWh)"][0]["content"]
    drawn = {layer["encoding"]["y"]["field"] for layer in bands["layer"]}
    assert drawn == {"lower_95", "lower_80", "adaptive", "actual"}
    week = plots["Day-ahead curve, a winter week (MW)"][0]["content"]
    drawn = {layer["encoding"]["y"]["field"] for layer in week["layer"]}
    assert drawn == {"lower_95", "lower_80", "forecast_mw", "rte_j1_mw", "actual_mw"}
    starts = pd.to_datetime([v["start"] for v in week["data"]["values"]])
    # Seven days of half-hours, Monday to Sunday, in winter.
    assert starts.nunique() == 7 * 48 and starts.min().tz_convert("Europe/Paris").dayofweek == 0
    hours = plots["Day-ahead curve, MAPE by hour of the day (%)"][0]["content"]["data"]["values"]
    assert sorted({int(v["hour"]) for v in hours}) == list(range(24))
    families = {
        v["field"] for v in plots["Predicted against actual (MWh)"][0]["content"]["data"]["values"]
    }
    assert families == set(TRAINED_CANDIDATES)
