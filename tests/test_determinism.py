"""The same numbers on any machine: the CPU kernels are chosen by the package, not by the CPU,
and every stage computes on one thread."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import types

import pytest
from conftest import ROOT
from threadpoolctl import threadpool_info

from energy_forecast.runtime.stage import run_stage

# What a process that imports the package first computes with: each OpenBLAS's kernel, and the
# AVX-512 groups NumPy dispatches to.
PROBE = """
import json
import energy_forecast, numpy, scipy.linalg
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
from threadpoolctl import threadpool_info
print(json.dumps({
    "openblas": sorted(
        {i["architecture"] for i in threadpool_info() if i["internal_api"] == "openblas"}
    ),
    "avx512": [f for f in __cpu_dispatch__ if __cpu_features__[f] and f != "X86_V3"],
}))
"""


def probe(**variables: str) -> dict[str, list[str]]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env | variables,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the kernels pinned are x86-64's")
def test_the_package_chooses_the_avx2_kernels_before_numpy_loads() -> None:
    assert probe() == {"openblas": ["Haswell"], "avx512": []}
    # A kernel the user chose is kept.
    assert probe(OPENBLAS_CORETYPE="Sandybridge")["openblas"] == ["Sandybridge"]


def test_a_stage_runs_on_one_blas_and_openmp_thread(monkeypatch, tmp_path) -> None:
    seen: list[set[int]] = []
    stage = types.ModuleType("energy_forecast.stages.probe")
    stage.run = lambda settings, root: seen.append({i["num_threads"] for i in threadpool_info()})
    monkeypatch.setitem(sys.modules, stage.__name__, stage)
    monkeypatch.chdir(tmp_path)
    run_stage("probe", ROOT / "params.yaml")
    assert seen == [{1}]
