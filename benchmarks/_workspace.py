"""A scratch copy of the project for benchmarks, so they never touch the working tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SHARED = ROOT.parent / "shared" / "data" / "odre"


def env() -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
    return variables | {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }


def workspace(params: dict[str, Any] | None = None, git: bool = True) -> Path:
    """A temporary git + DVC copy of the project with `params` merged into params.yaml."""
    path = Path(tempfile.mkdtemp(prefix="energy-forecast-bench-")) / "repo"
    shutil.copytree(
        ROOT,
        path,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "mlflow.db", "mlruns", "__pycache__", "*.egg-info", ".dvc"
        ),
    )
    for generated in ("data/raw", "data/processed", "reports"):
        shutil.rmtree(path / generated, ignore_errors=True)
    for model in (path / "models").iterdir():
        if model.is_dir():
            shutil.rmtree(model)
    (path / "dvc.lock").unlink(missing_ok=True)
    merged = yaml.safe_load((ROOT / "params.yaml").read_text())
    for section, values in (params or {}).items():
        if isinstance(values, dict) and isinstance(merged.get(section), dict):
            merged[section] = {**merged[section], **values}
        else:
            merged[section] = values
    (path / "params.yaml").write_text(yaml.safe_dump(merged, sort_keys=False))
    if git:
        for command in (
            ["git", "init", "-q"],
            [str(BIN / "dvc"), "init", "-q"],
            ["git", "add", "-A"],
            ["git", "commit", "-qm", "bench"],
        ):
            subprocess.run(command, cwd=path, env=env(), check=True, capture_output=True)
    return path
