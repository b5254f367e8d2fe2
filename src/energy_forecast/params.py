"""Read `params.yaml` and check each setting a stage uses before any work starts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from energy_forecast.errors import InputError
from energy_forecast.quality import (
    CONFLICTING_DUPLICATE_RULES,
    INCOMPLETE_DAY_RULES,
    MISSING_TEMPERATURE_RULES,
    NON_FINAL_STATUS_RULES,
    QualityRules,
)

PARAMS_FILE = "params.yaml"
SOURCES = ("synthetic", "files", "odre")


def load(path: str | Path = PARAMS_FILE) -> dict[str, Any]:
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("not found; run from the repository root", source=str(path)) from None
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML: {err}", source=str(path)) from None
    if not isinstance(params, dict):
        raise InputError("expected a mapping of settings", source=str(path))
    return params


def bad(name: str, expected: str, got: Any) -> InputError:
    return InputError(f"{name}: expected {expected}, got {got!r}", source=PARAMS_FILE)


def get(params: dict[str, Any], name: str) -> Any:
    """The setting at dotted `name`, or a clear error naming it."""
    node: Any = params
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            raise InputError(f"{name}: missing setting", source=PARAMS_FILE)
        node = node[part]
    return node


def date(params: dict[str, Any], name: str) -> pd.Timestamp:
    value = get(params, name)
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value)))
    except ValueError:
        raise bad(name, "a date YYYY-MM-DD", value) from None


LATEST = "latest"


def data_range(params: dict[str, Any]) -> tuple[pd.Timestamp, pd.Timestamp | None]:
    """data.start and data.end; an end of `latest` is None: the last day both exports cover."""
    start = date(params, "data.start")
    if get(params, "data.end") == LATEST:
        return start, None
    end = date(params, "data.end")
    if start > end:
        raise InputError(
            f"data.start ({start.date()}) is after data.end ({end.date()})", source=PARAMS_FILE
        )
    return start, end


def quality_rules(params: dict[str, Any]) -> QualityRules:
    """`data.quality`: a rule per known defect of real exports, and the gap limits."""
    section = get(params, "data.quality")
    if not isinstance(section, dict):
        raise bad("data.quality", "a mapping of rule names to rules", section)
    fields = {f.name: f.type for f in dataclasses.fields(QualityRules)}
    unknown = [k for k in section if k not in fields]
    if unknown:
        raise bad("data.quality", f"keys among {list(fields)}", unknown)
    choices = {
        "conflicting_duplicates": CONFLICTING_DUPLICATE_RULES,
        "missing_temperature_days": MISSING_TEMPERATURE_RULES,
        "incomplete_days": INCOMPLETE_DAY_RULES,
        "non_final_status": NON_FINAL_STATUS_RULES,
    }
    for key, value in section.items():
        name = f"data.quality.{key}"
        if key in choices and value not in choices[key]:
            raise bad(name, f"one of {list(choices[key])}", value)
        if key not in choices and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise bad(name, "a whole number of days >= 0", value)
    return QualityRules(**section)


def source(params: dict[str, Any]) -> str:
    value = get(params, "data.source")
    if value not in SOURCES:
        raise bad("data.source", f"one of {list(SOURCES)}", value)
    return value


def feature_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The feature settings a model carries, without the feature-set table."""
    section = get(params, "features")
    return {k: v for k, v in section.items() if k not in ("sets", "population_year")} | {
        "trend_origin": str(section.get("trend_origin", "2000-01-01"))
    }


def feature_set(params: dict[str, Any], name: str, where: str) -> list[str]:
    from energy_forecast.features import known_features

    sets = get(params, "features.sets")
    if name not in sets:
        raise bad(where, f"a feature set of features.sets {sorted(sets)}", name)
    columns = sets[name]
    known = known_features({**feature_settings(params)})
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise bad(f"features.sets.{name}", f"columns among {known}", unknown)
    return list(columns)


def families(params: dict[str, Any]) -> list[str]:
    """The model families to train, in params order: each has a `train@<family>` stage."""
    from energy_forecast.families import FAMILIES

    names = get(params, "families")
    if not isinstance(names, dict) or not names:
        raise bad("families", "a mapping of family name to settings", names)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise bad("families", f"families among {list(FAMILIES)}", unknown)
    return list(names)
