"""The DVC graph covers the code: each stage depends on every module its command imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

PACKAGE = ROOT / "src" / "energy_forecast"
# Imports the source cannot show: `families.family(name)` loads the family's module by name.
DYNAMIC = {"train": lambda key: {f"energy_forecast.families.{key}"}}
# The command's dispatcher: of its imports, a stage runs the top-level ones and its own module.
DISPATCHER = PACKAGE / "cli.py"


def module_file(name: str) -> Path | None:
    relative = Path(*name.split(".")[1:])
    for candidate in (PACKAGE / relative / "__init__.py", PACKAGE / f"{relative}.py"):
        if candidate.is_file():
            return candidate
    return None


def imported(path: Path) -> set[str]:
    """The energy_forecast modules `path` imports, at its top or inside its functions."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body if path == DISPATCHER else ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # `from energy_forecast.data import odre` imports a module, not a name.
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] == "energy_forecast"}


def closure(roots: set[str]) -> set[Path]:
    """Every package file importing `roots` runs, parent packages' __init__ included."""
    seen: set[Path] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(2, len(parts) + 1):
            path = module_file(".".join(parts[:depth]))
            if path is not None and path not in seen:
                seen.add(path)
                todo.extend(imported(path))
    return seen


def stage_deps() -> dict[str, tuple[str, list[str]]]:
    """Each stage's command and code deps, foreach stages expanded per key."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    out = {}
    for name, stage in stages.items():
        if "foreach" in stage:
            keys = params[stage["foreach"].strip("${}")]
            for key in keys:
                do = stage["do"]
                deps = [d.replace("${key}", key) for d in do["deps"]]
                out[f"{name}@{key}"] = (do["cmd"].replace("${key}", key), deps)
        else:
            out[name] = (stage["cmd"], stage["deps"])
    return out


def uncovered(stage: str, command: str, deps: list[str]) -> list[str]:
    name, _, key = stage.partition("@")
    roots = {"energy_forecast.cli", f"energy_forecast.stages.{command.split()[1]}"}
    roots |= DYNAMIC.get(name, lambda _: set())(key)
    covered = [(ROOT / d).resolve() for d in deps]
    return sorted(
        str(path.relative_to(ROOT))
        for path in closure(roots)
        if not any(path == c or c in path.parents for c in covered)
    )


@pytest.mark.parametrize("stage", sorted(stage_deps()))
def test_each_stage_depends_on_every_module_it_imports(stage: str) -> None:
    command, deps = stage_deps()[stage]
    missing = uncovered(stage, command, deps)
    assert not missing, f"dvc.yaml stage {stage!r} does not depend on {missing}"


def test_a_removed_dep_is_found() -> None:
    command, deps = stage_deps()["featurize"]
    assert uncovered("featurize", command, [d for d in deps if d != "src/energy_forecast/data"])
