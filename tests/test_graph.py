"""The code's shape: each DVC stage depends on every module its command imports, and on
nothing it does not need; the core a model carries imports nothing of the pipeline; no module
imports another that imports it back."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

PACKAGE = ROOT / "src" / "energy_forecast"
# Imports the source cannot show: `families.family(name)` loads the family's module by name.
DYNAMIC = {"train": lambda key: {f"energy_forecast.core.families.{key}"}}
# What `python -m energy_forecast.runtime STAGE` runs: the runner, then the stage's module.
RUNNER = "energy_forecast.runtime.__main__"


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
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # `from energy_forecast.data import odre` imports a module, not a name.
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] == "energy_forecast"}


def closure(roots: set[str]) -> set[Path]:
    """Every package file importing `roots` runs, parent packages' __init__ included (the
    package's own: it chooses the CPU kernels every number is computed with)."""
    seen: set[Path] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
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
    assert command.startswith("python -m energy_forecast.runtime "), command
    roots = {RUNNER, f"energy_forecast.stages.{command.split()[3]}"}
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


def needless(stage: str, command: str, deps: list[str]) -> list[str]:
    """The code deps of `stage` that hold no module its command imports."""
    name, _, key = stage.partition("@")
    roots = {RUNNER, f"energy_forecast.stages.{command.split()[3]}"}
    roots |= DYNAMIC.get(name, lambda _: set())(key)
    used = closure(roots)
    return [
        dep
        for dep in deps
        if dep.startswith("src/")
        and not any(
            path == (ROOT / dep).resolve() or (ROOT / dep).resolve() in path.parents
            for path in used
        )
    ]


@pytest.mark.parametrize("stage", sorted(stage_deps()))
def test_each_stage_depends_on_no_module_it_does_not_import(stage: str) -> None:
    """An edit to a module a stage never runs must not make DVC run it again."""
    command, deps = stage_deps()[stage]
    extra = needless(stage, command, deps)
    assert not extra, f"dvc.yaml stage {stage!r} depends on {extra}, which it does not import"


def test_a_needless_dep_is_found() -> None:
    command, deps = stage_deps()["featurize"]
    assert needless("featurize", command, [*deps, "src/energy_forecast/cli.py"]) == [
        "src/energy_forecast/cli.py"
    ]


def test_a_removed_dep_is_found() -> None:
    command, deps = stage_deps()["featurize"]
    assert uncovered("featurize", command, [d for d in deps if d != "src/energy_forecast/data"])


def test_training_depends_on_neither_the_cli_nor_the_other_stages() -> None:
    """Editing a log line of the backtest, or a CLI command, must not retrain six families."""
    _, deps = stage_deps()["train@knn"]
    covered = [(ROOT / d).resolve() for d in deps]
    for other in (
        "cli.py",
        "ui.py",
        "backtesting.py",
        "serving/batch.py",
        "stages/backtest.py",
        "stages/evaluate.py",
        "stages/ingest.py",
    ):
        path = PACKAGE / other
        assert path.exists(), other
        assert not any(path == c or c in path.parents for c in covered), other


# What the core may import besides itself and the standard library: the numerical stack, the
# calendars (public and school holidays), settings validation, skops, and MLflow's serving
# interface (not its tracking).
CORE_MAY_IMPORT = {
    "numpy",
    "pandas",
    "sklearn",
    "scipy",
    "holidays",
    "vacances_scolaires_france",
    "pydantic",
    "skops",
}
MLFLOW_SERVING = ("mlflow", "mlflow.pyfunc", "mlflow.models", "mlflow.exceptions", "mlflow.protos")


def test_the_core_imports_nothing_of_the_pipeline() -> None:
    core = PACKAGE / "core"
    offending = []
    for path in sorted(core.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module
                else []
            )
            for name in names:
                top = name.split(".")[0]
                allowed = (
                    name.startswith("energy_forecast.core")
                    or top in sys.stdlib_module_names
                    or top in CORE_MAY_IMPORT
                    or name.startswith(MLFLOW_SERVING[1:])
                    or name == "mlflow"
                )
                if not allowed:
                    offending.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offending, offending
    # `import mlflow` alone is for `mlflow.models.set_model` in the entry point; the tracking
    # API (start_run, log_*) appears nowhere in the core.
    text = "".join(p.read_text(encoding="utf-8") for p in core.rglob("*.py"))
    assert not re.search(r"mlflow\.(start_run|log_|set_tag|tracking|MlflowClient)", text)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        targets = set()
        for name in imported(path):
            file = module_file(name)
            # `from pkg import module` names both; the package itself is no edge back.
            if (
                file is not None
                and file != path
                and not module_name(path).startswith(module_name(file) + ".")
            ):
                targets.add(module_name(file))
        graph[module_name(path)] = targets
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def long_functions(source: str, limit: int) -> list[tuple[str, int]]:
    """The functions of `source` longer than `limit` lines, decorators and docstring included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if node.end_lineno - start + 1 > limit:
                found.append((node.name, node.end_lineno - start + 1))
    return found


def test_no_function_runs_over_80_lines() -> None:
    """A function a reader holds in one screen: longer ones split where their steps part."""
    found = {
        f"{path.relative_to(PACKAGE)}:{name}": length
        for path in PACKAGE.rglob("*.py")
        for name, length in long_functions(path.read_text(encoding="utf-8"), 80)
    }
    assert not found, found
    body = "".join(f"    x = {i}\n" for i in range(79))
    assert long_functions(f"def f():\n{body}", 80) == []
    assert long_functions(f"@decorated\ndef f():\n{body}", 80) == [("f", 81)]
