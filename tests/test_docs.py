"""Docs that cannot drift from the code: what a description names exists where it says."""

from __future__ import annotations

import re

import yaml
from conftest import PARAMS, ROOT

from energy_forecast.runtime.settings import FeaturesSection

# A stage output as code and docstrings name it: under data/raw, data/processed, models or
# reports; `<family>` and `<name>` stand for any family.
OUTPUT = re.compile(
    r"\b((?:data/(?:raw|processed)|models|reports)/[A-Za-z0-9_./<>@-]*[A-Za-z0-9_>])"
)


def dvc_outputs() -> set[str]:
    """Every path dvc.yaml's stages write, `${key}` read as `<family>`."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    outputs = set()
    for stage in stages.values():
        body = stage.get("do", stage)
        for section in ("outs", "metrics", "plots"):
            for entry in body.get(section, []):
                path = entry if isinstance(entry, str) else next(iter(entry))
                outputs.add(path.replace("${key}", "<family>"))
    return outputs


def test_every_feature_set_of_params_yaml_is_described() -> None:
    described = FeaturesSection.model_fields["sets"].description or ""
    named = set(re.findall(r"`([a-z_]+)`", described))
    assert set(PARAMS["features"]["sets"]) <= named, set(PARAMS["features"]["sets"]) - named


def test_every_stage_output_the_code_names_is_one_dvc_yaml_writes() -> None:
    outputs = dvc_outputs()
    # A file inside an output folder is that folder's.
    folders = {o.rstrip("/") for o in outputs}
    named = {}
    for path in (ROOT / "src" / "energy_forecast").rglob("*.py"):
        for match in OUTPUT.findall(path.read_text(encoding="utf-8")):
            named.setdefault(match.replace("<name>", "<family>"), path.name)
    unknown = {
        name: where
        for name, where in named.items()
        if name not in folders and not any(name.startswith(f"{f}/") for f in folders)
    }
    assert not unknown, unknown
    assert "data/processed/daily.parquet" in named and "models/model" in named


def test_the_map_and_the_front_page_stay_short_enough_to_read_at_a_glance() -> None:
    """dvc.yaml at most 160 lines and the README at most 250: the sizes a newcomer reads whole;
    each new stage or section has to fit."""
    assert len((ROOT / "dvc.yaml").read_text(encoding="utf-8").splitlines()) <= 160
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
