"""params.yaml parsed once into typed settings: typos and wrong types are refused by name."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

from energy_forecast.cli import main
from energy_forecast.core.errors import InputError
from energy_forecast.core.families import FAMILIES, family
from energy_forecast.core.served import PIPELINE_TYPES
from energy_forecast.runtime.settings import Settings, parse

PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def with_change(path: str, value: Any, rename: str | None = None) -> dict[str, Any]:
    """params.yaml with the key at dotted `path` set to `value`, or renamed to `rename`."""
    params = copy.deepcopy(PARAMS)
    *parents, last = path.split(".")
    node = params
    for part in parents:
        node = node[part]
    if rename is not None:
        node[rename] = node.pop(last)
    else:
        node[last] = value
    return params


def refused(params: dict[str, Any]) -> str:
    with pytest.raises(InputError) as caught:
        parse(params)
    return str(caught.value)


def test_the_repositorys_params_parse() -> None:
    settings = parse(PARAMS)
    assert isinstance(settings, Settings)
    assert list(settings.families) == list(PARAMS["families"])
    assert settings.feature_settings.for_model()["trend_origin"] == "2000-01-01"


@pytest.mark.parametrize(
    ("path", "typo", "suggestion"),
    [
        ("features.heating_threshold", "heating_treshold", "features.heating_threshold"),
        ("cv.folds", "fold", "cv.folds"),
        ("data.quality.non_final_status", "non_final_statut", "data.quality.non_final_status"),
        ("families.knn.grid", "grd", "families.knn.grid"),
        ("select.metric", "metrc", "select.metric"),
    ],
)
def test_a_misspelt_key_is_refused_with_the_closest_valid_one(
    path: str, typo: str, suggestion: str
) -> None:
    message = refused(with_change(path, None, rename=typo))
    misspelt = ".".join([*path.split(".")[:-1], typo])
    assert f"{misspelt}: unknown setting; did you mean {suggestion}?" in message


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "features.heating_threshold",
            "warm",
            "features.heating_threshold: input should be a valid number",
        ),
        ("cv.folds", 2.5, "cv.folds: input should be a valid integer"),
        (
            "features.population_year",
            2020,
            "features.population_year: input should be 2008 or 2019",
        ),
        ("data.end", "soon", "data.end: input should be a valid date or datetime"),
        (
            "data.quality.conflicting_duplicates",
            "average",
            "input should be 'refile', 'first' or 'error'",
        ),
        ("model", "prophet", "model: expected 'auto' or one of"),
        ("data.start", "2030-01-01", "data.start (2030-01-01) is after data.end"),
    ],
)
def test_a_wrong_value_names_the_key_and_what_was_expected(
    path: str, value: Any, expected: str
) -> None:
    assert expected in refused(with_change(path, value))


def test_the_command_exits_2_naming_the_key(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(with_change("cv.folds", None, rename="fold")), encoding="utf-8")
    assert main(["--params", str(bad), "featurize"]) == 2
    assert "cv.fold: unknown setting; did you mean cv.folds?" in capsys.readouterr().err


def test_settings_are_frozen() -> None:
    settings = parse(PARAMS)
    with pytest.raises(ValueError, match="frozen"):
        settings.cv.folds = 5  # type: ignore[misc]


def test_the_type_names_saved_models_trust_still_import() -> None:
    """Saved models list the skops types they trust by dotted name: each must still resolve."""
    names = {*PIPELINE_TYPES}
    for name in FAMILIES:
        names |= {n for n in family(name).TRUSTED_TYPES if n.startswith("energy_forecast.")}
    assert "energy_forecast.core.features.FeatureBuilder" in names
    for dotted in names:
        module, _, attribute = dotted.rpartition(".")
        assert getattr(importlib.import_module(module), attribute).__name__ == attribute


def test_the_params_page_is_what_the_settings_say() -> None:
    from energy_forecast.params_reference import params_reference

    page = (ROOT / "docs" / "params.md").read_text(encoding="utf-8")
    assert page == params_reference(ROOT / "params.yaml"), (
        "docs/params.md is stale: python -m energy_forecast.params_reference > docs/params.md"
    )
    documented = {line.split("`")[1] for line in page.splitlines() if line.startswith("| `")}
    assert {
        "data.quality.daily_mwh_bounds",
        "intervals.method",
        "backtest.train_days",
    } <= documented


def test_the_backtest_window_follows_the_test_period_unless_given() -> None:
    """Data to 2019-08-30 and the split moved with it: the backtest moves too."""
    params = with_change("data.end", "2019-08-30")
    params["split"] = {"test_start": "2019-01-01", "test_end": "2019-08-30"}
    window = parse(params).backtest_window
    assert [d.isoformat() for d in window] == ["2019-01-01", "2019-08-30"]
    params["backtest"] |= {"start": "2019-03-01", "end": "2019-06-30"}
    assert [d.isoformat() for d in parse(params).backtest_window] == ["2019-03-01", "2019-06-30"]
    params["backtest"] |= {"start": "2019-10-01", "end": None}
    assert "backtest.start (2019-10-01) is after backtest.end (2019-08-30)" in refused(params)
    # Both ends `latest`: the backtest ends with the data, whichever day that turns out to be.
    params = with_change("data.end", "latest")
    params["split"] = {"test_start": "2019-01-01", "test_end": "latest"}
    assert parse(params).backtest_window == (dt.date(2019, 1, 1), None)


def test_an_unknown_feature_is_refused_in_any_set_used_or_not() -> None:
    params = copy.deepcopy(PARAMS)
    params["features"]["sets"]["unused"] = ["weekday", "moon_phase"]
    assert not any("unused" in f["feature_sets"] for f in params["families"].values())
    message = refused(params)
    assert "features.sets.unused: expected columns among" in message
    assert message.endswith("got ['moon_phase']")


def test_a_set_named_in_another_stands_for_its_columns() -> None:
    """params.yaml writes each list once: `special` and `dayahead` name `load`."""
    sets = parse(PARAMS).features.sets
    assert sets["special"][: len(sets["load"])] == sets["load"]
    assert sets["special"][len(sets["load"]) :] == [
        "holiday_eve",
        "holiday_after",
        "school_holiday",
    ]
    assert len(sets["dayahead"]) == len(sets["load"]) + 3
    params = copy.deepcopy(PARAMS)
    params["features"]["sets"] |= {"a": ["weekday", "b"], "b": ["month", "a"]}
    assert "features.sets.a: names itself through a -> b -> a" in refused(params)
    params = copy.deepcopy(PARAMS)
    params["features"]["sets"]["weekday"] = ["month"]
    assert "features.sets: ['weekday'] are features, not names for a set" in refused(params)


def test_blend_s_grid_is_gbm_s_on_the_ridge_baseline() -> None:
    families = parse(PARAMS).families
    assert families["blend"].grid == families["gbm"].grid | {"baseline": ["ridge"]}
