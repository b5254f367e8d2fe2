"""docs/params.md, generated from the settings themselves: every key, its value in
`params.yaml`, what it takes and what it means (a test holds the page to it)."""

from __future__ import annotations

import json
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from energy_forecast.runtime.settings import PARAMS_FILE, FamilySettings, Settings

_BOUNDS = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "min_length": "length ≥"}


def _described(annotation: Any, metadata: list[Any]) -> str:
    """A type in a few words: its choices, or its name and bounds."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return " or ".join(f"`{value}`" for value in args)
    if origin is Annotated:
        return _described(args[0], list(args[1:]))
    if origin is list:
        return " ".join([f"list of {_described(args[0], [])}", *_bounds(metadata)])
    if origin in (UnionType, Union):
        return " or ".join("null" if a is type(None) else _described(a, []) for a in args)
    name = getattr(annotation, "__name__", str(annotation)) if origin is None else repr(annotation)
    name = name.replace("typing.", "").replace("datetime.", "")
    return " ".join([f"`{name}`", *_bounds(metadata)])


def _bounds(metadata: list[Any]) -> list[str]:
    return [
        f"{sign} {getattr(m, key)}"
        for m in metadata
        for key, sign in _BOUNDS.items()
        if getattr(m, key, None) is not None
    ]


def _rows(model: type[BaseModel], prefix: str, values: Any) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        value = values.get(name) if isinstance(values, dict) else None
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += _rows(annotation, f"{key}.", value)
            continue
        if name == "families":
            rows.append(
                f"| `families` | {', '.join(f'`{n}`' for n in value or {})} | mapping "
                f"| {field.description} |"
            )
            rows += _rows(FamilySettings, "families.<family>.", None)
            continue
        shown = "" if value is None or name == "sets" else f"`{json.dumps(value, default=str)}`"
        described = _described(field.annotation, field.metadata)
        description = " ".join((field.description or "").split())
        rows.append(f"| `{key}` | {shown} | {described} | {description} |")
    return rows


def params_reference(params_file: str | Path = PARAMS_FILE) -> str:
    """docs/params.md: every setting, its value in `params_file`, what it takes and means, from
    the settings themselves (a test holds the page to it)."""
    values = yaml.safe_load(Path(params_file).read_text(encoding="utf-8"))
    lines = [
        "# Params",
        "",
        "Every key of `params.yaml`, parsed once into typed settings (`runtime/settings.py`); a",
        "typo or a wrong type is refused with the key and what it expected. Generated from the",
        "settings' descriptions by `python -m energy_forecast.params_reference > docs/params.md`.",
        "",
        "| param | in params.yaml | takes | meaning |",
        "|---|---|---|---|",
        *_rows(Settings, "", values),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(params_reference(), end="")
