"""The stages through training on RTE's real exports (skipped without ../shared): their
totals, their defects resolved and counted, the error rule. The stages after training read only
the daily table and the curve; tests/test_rte_series.py runs them on real series."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import BIN, ONE_FAMILY, PUBLISHED_TWH, all_runs, cli, run

from energy_forecast.tracking.lineage import locked_md5s

pytestmark = [pytest.mark.slow, pytest.mark.real_data]
DVC = str(BIN / "dvc")


def test_featurize_on_the_real_files(repo: Path, real_files) -> None:
    consumption, _, ddmmyy = real_files
    shutil.copy(consumption, repo / "data/external/consommation-quotidienne-brute.csv")
    shutil.copy(ddmmyy, repo / "data/external/temperature-quotidienne-regionale.csv")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["data"] |= {"source": "files", "start": "2016-01-01", "end": "2018-12-31"}
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(repo, DVC, "repro", "featurize")
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert len(daily) == 1096
    assert daily["consumption_mwh"].sum() / 1e6 == pytest.approx(480.32 + 479.04 + 475.52, rel=5e-4)
    # The source file changed: ingest runs again; nothing changed: it does not.
    assert "Running stage" not in run(repo, DVC, "repro", "featurize").stdout
    shutil.copy(real_files[1], repo / "data/external/temperature-quotidienne-regionale.csv")
    changed = run(repo, DVC, "repro", "featurize")
    assert "Running stage 'ingest'" in changed.stdout
    imputed = pd.read_parquet(repo / "data/processed/daily.parquet")["temperature_imputed"]
    assert imputed.sum() == 2


def use_real_files_2021(repo: Path, files: tuple[Path, Path], quality: dict | None = None) -> None:
    consumption, temperature = files
    shutil.copy(consumption, repo / "data/external/consommation-quotidienne-brute.csv")
    shutil.copy(temperature, repo / "data/external/temperature-quotidienne-regionale.csv")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["data"] |= {"source": "files", "start": "2016-01-01", "end": "latest"}
    params["data"]["quality"] |= quality or {}
    params["split"] = {"test_start": "2021-01-01", "test_end": "2021-12-31"}
    params["families"] = ONE_FAMILY
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def test_a_family_trains_on_the_exports_through_2021(repo: Path, real_files_2021) -> None:
    use_real_files_2021(repo, real_files_2021)
    run(repo, DVC, "repro", "train@ridge")
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert daily["date"].min() == pd.Timestamp("2016-01-01")
    assert daily["date"].max() == pd.Timestamp("2021-12-31")
    assert len(daily) == len(pd.date_range("2016-01-01", "2021-12-31"))
    totals = daily.groupby(daily["date"].dt.year)["consumption_mwh"].sum() / 1e6
    for year in range(2016, 2022):
        assert totals[year] == pytest.approx(PUBLISHED_TWH[year], rel=5e-4), year

    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["range"] == {"start": "2016-01-01", "end": "2021-12-31", "end_param": "latest"}
    assert quality["consumption"]["halfhours_refiled"] == 1
    assert quality["consumption"]["resolved"] == {"conflicting_duplicate.refile": 1}
    assert quality["resolutions"] == {
        "2020-12-05 lines 18816,18817": "conflicting_duplicate (refile): 66352 MW kept at "
        "2020-12-05 00:00; 64891 MW (line 18816) refiled to the missing 2020-12-06 00:00"
    }
    assert quality["temperature"] == {"days_imputed": 1, "region_days_imputed": 13}
    assert quality["days"] == {"kept": 2192, "left_out": {}}
    assert quality["interpolated"] == {}
    assert set(quality["consumption"]["rows_by_status"]) == {"Définitif", "Consolidé"}

    # Versioned with the data it describes (dvc.lock), not listed among the headline metrics.
    shown = json.loads(run(repo, DVC, "metrics", "show", "--json").stdout)
    assert "reports/data_quality.json" not in next(iter(shown.values()))["data"]
    assert "reports/data_quality.json" in locked_md5s(repo)
    # The stage's run and its configurations' child runs, each with the counts.
    runs = all_runs(repo)
    assert {r.data.tags.get("dvc.stage") for r in runs} == {"train@ridge", None}
    for r in runs:
        assert r.data.tags["data.quality.consumption.halfhours_refiled"] == "1"
        assert r.data.tags["data.quality.range.end"] == "2021-12-31"


def test_the_error_rule_stops_featurize_on_the_2020_duplicate(repo: Path, real_files_2021) -> None:
    use_real_files_2021(repo, real_files_2021, {"conflicting_duplicates": "error"})
    run(repo, DVC, "repro", "ingest")
    done = cli(repo, "featurize", check=False)
    assert done.returncode == 2
    assert (
        "data/external/consommation-quotidienne-brute.csv, line 18817, column 'Consommation brute "
        "électricité (MW) - RTE': half-hour 2020-12-05 00:00:00+01:00 appears on lines [18816, "
        "18817] with different values 64891, 66352" in done.stderr
    )
    assert done.stderr.rstrip().endswith("(copied to data/raw/consumption.csv by ingest)")
    assert not (repo / "data/processed/daily.parquet").exists()
    assert not (repo / "reports/data_quality.json").exists()
