"""RTE's annual eCO2mix exports (`eCO2mix_RTE_Annuel-Definitif_YYYY.xls`, also zipped): a
Latin-1 text with tabs, consumption every 30 minutes, RTE's J-1 every 15, 96 rows on the
clock-change days and a disclaimer after the data, each resolved by its rule and counted."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BIN, ROOT, SMALL, make_repo, merge, run

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE, RTE_J1
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.runtime.settings import QualityRules

SHARED = ROOT.parent / "shared" / "data"
ANNUAL = SHARED / "eco2mix"
COLUMNS = ["Périmètre", "Nature", "Date", "Heures", "Consommation", "Prévision J-1"]
HEADER = "\t".join([*COLUMNS, "Prévision J", "Fioul", "Charbon"])
DISCLAIMER = (
    "RTE ne pourra être tenu responsable de l'usage qui pourrait être fait des données mises à "
    "disposition, ni en cas de prévisions qui se révèleraient imprécises."
)


def annual_rows(days: list[str], consumption: float, quarters: tuple[float, float]) -> list[str]:
    """96 rows a day at Paris wall-clock quarter-hours, as RTE writes them whatever the day's
    length: the consumption on `:00` and `:30` rows only, RTE's J-1 on every row (the first
    and the second quarter-hour of each half-hour), each row ending in a tab."""
    rows = []
    for day in days:
        for quarter in range(96):
            hour, minute = divmod(quarter * 15, 60)
            second = minute % 30 != 0
            value = "" if second else f"{consumption:g}"
            forecast = quarters[1] if second else quarters[0]
            fields = ["France", "Données définitives", day, f"{hour:02d}:{minute:02d}", value]
            rows.append("\t".join([*fields, f"{forecast:g}", f"{forecast:g}", "1", "2"]) + "\t")
    return rows


def write_annual(path: Path, rows: list[str]) -> Path:
    text = "\n".join([HEADER, *rows, DISCLAIMER, ""]) + "\n"
    path.write_bytes(text.encode("latin-1"))
    return path


SPRING = ["2017-03-25", "2017-03-26", "2017-03-27"]
AUTUMN = ["2017-10-28", "2017-10-29", "2017-10-30"]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_annual(
        tmp_path / "eCO2mix_RTE_Annuel-Definitif_2017.xls",
        annual_rows(SPRING + AUTUMN, 50000, (51000, 53000)),
    )


def test_days_of_23_24_and_25_hours_from_96_rows_each(export: Path) -> None:
    days = read_consumption(export, QualityRules(), "09:00")
    table = days.table
    hours = {"2017-03-26": 23, "2017-10-29": 25}
    for day in SPRING + AUTUMN:
        length = hours.get(day, 24)
        assert table.loc[day, "consumption_mwh"] == length * 50000, day
        assert table.loc[day, "n_halfhours"] == 2 * length, day
        assert table.loc[day, "status"] == "Définitif"
        # Midnight to 09:00 on the wall clock: 8 hours on the spring day, 10 on the autumn one.
        assert table.loc[day, CONSUMPTION_TO_ISSUE] == (9 + length - 24) * 50000, day
        # RTE's J-1 of a half-hour is the mean of its two quarter-hours.
        if day != "2017-10-29":
            assert table.loc[day, RTE_J1] == length * 52000, day
    # The repeated hour's first occurrence has no J-1 in the file: no J-1 energy that day.
    assert np.isnan(table.loc["2017-10-29", RTE_J1])
    counts = days.days
    assert counts["spring_rows_dropped"].to_dict() == {
        pd.Timestamp(d): 4 * (d == "2017-03-26") for d in SPRING + AUTUMN
    }
    assert counts.loc["2017-03-26", "quarter_hours_merged"] == 46
    assert counts.loc["2017-10-29", "quarter_hours_merged"] == 48
    assert counts["halfhours_interpolated"].to_dict() == {
        pd.Timestamp(d): 2 * (d == "2017-10-29") for d in SPRING + AUTUMN
    }
    # The disclaimer and the blank line after it belong to the last day.
    assert counts["footer_lines_dropped"].tolist() == [0, 0, 0, 0, 0, 2]
    assert counts["values_unpublished"].sum() == 0
    # The curve: a row per real half-hour (the autumn's repeated hour filled), RTE's J-1 of a
    # half-hour the mean of its quarter-hours.
    curve = days.curve
    assert curve.groupby("date").size().tolist() == [48, 46, 48, 48, 50, 48]
    assert (curve["mw"] == 50000).all()
    assert (curve["rte_j1_mw"].dropna() == 52000).all()
    assert curve["rte_j1_mw"].isna().sum() == 2


def test_the_zip_rte_hands_out_reads_as_the_file_inside(export: Path, tmp_path: Path) -> None:
    zipped = tmp_path / "eCO2mix_RTE_Annuel-Definitif_2017.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(export, export.name)
    expected = read_consumption(export, QualityRules(), "09:00")
    got = read_consumption(zipped, QualityRules(), "09:00")
    pd.testing.assert_frame_equal(got.table, expected.table)
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("readme.txt", "two files")
    with pytest.raises(InputError, match=r"a zip of 2 files .*expected one export"):
        read_consumption(zipped)
    zipped.write_bytes(zipped.read_bytes()[:200])
    with pytest.raises(InputError, match="a damaged zip"):
        read_consumption(zipped)


def test_without_interpolation_the_25_hour_day_is_incomplete(export: Path) -> None:
    days = read_consumption(export, QualityRules(max_missing_halfhours=0), "09:00")
    assert days.incomplete == [pd.Timestamp("2017-10-29")]


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("2017-03-25\t00:15\t\t", "2017-03-25\t00:15\t50000\t", "blank on a :15 or :45 row"),
        ("2017-03-25\t00:30\t", "2017-03-25\t00:31\t", "a quarter-hour"),
        ("2017-03-25\t01:00\t", "2017-03-25\t25:00\t", "a date YYYY-MM-DD and a time HH:MM"),
        ("2017-03-25\t01:30\t50000", "2017-03-25\t01:30\tfifty", "a number of MW"),
    ],
)
def test_a_bad_row_is_refused_by_its_line_in_the_file(
    export: Path, replace: str, by: str, expected: str
) -> None:
    text = export.read_bytes().decode("latin-1")
    line = next(i for i, row in enumerate(text.split("\n"), 1) if replace in row)
    export.write_bytes(text.replace(replace, by, 1).encode("latin-1"))
    with pytest.raises(InputError) as err:
        read_consumption(export)
    assert expected in str(err.value)
    assert f"{export}, line {line}" in str(err.value)


@pytest.mark.real_data
@pytest.mark.slow
def test_the_real_annual_exports_are_odre_s_series_with_rte_s_published_error() -> None:
    odre = SHARED / "odre" / "consommation-quotidienne-brute_2012-2018.csv"
    if not (ANNUAL / "eCO2mix_RTE_Annuel-Definitif_2017.xls").exists() or not odre.exists():
        pytest.skip("the eCO2mix and ODRÉ exports in ../shared/data are absent")
    theirs = read_consumption(odre, QualityRules(), "09:00").table
    # RTE's daily and half-hourly J-1 MAPE, as the folder's README gives them.
    for name, mape, halfhourly in (("2017.xls", 1.10, 1.59), ("2018.zip", 1.19, 1.67)):
        days = read_consumption(ANNUAL / f"eCO2mix_RTE_Annuel-Definitif_{name}", QualityRules())
        ours = days.table
        year = name[:4]
        assert len(ours) == 365 and days.incomplete == []
        counts = days.days.sum()
        assert counts["spring_rows_dropped"] == 4 and counts["footer_lines_dropped"] == 2
        assert counts["quarter_hours_merged"] == 365 * 48 - 2
        assert counts["halfhours_interpolated"] == 2  # the autumn day's first repeated hour
        # The same series as ODRÉ's, day for day; on the 25-hour day ODRÉ's reader scales its
        # mean half-hour to 25 h where this one interpolates the night hour RTE left out (ODRÉ's
        # mean counts the day's hours more: 0.23 % higher in 2018).
        autumn = ours.index[days.days.loc[ours.index, "halfhours_interpolated"] > 0]
        same = ours.index.difference(autumn)
        np.testing.assert_allclose(
            ours.loc[same, "consumption_mwh"], theirs.loc[same, "consumption_mwh"], rtol=1e-12
        )
        np.testing.assert_allclose(
            ours.loc[autumn, "consumption_mwh"], theirs.loc[autumn, "consumption_mwh"], rtol=3e-3
        )
        rte = (ours[RTE_J1] - ours["consumption_mwh"]).abs() / ours["consumption_mwh"]
        assert round(rte.mean() * 100, 2) == mape, year
        assert ours[RTE_J1].isna().sum() == 1
        curve = days.curve.dropna()
        rte_curve = (curve["rte_j1_mw"] - curve["mw"]).abs() / curve["mw"]
        assert round(rte_curve.mean() * 100, 2) == halfhourly, year
        assert days.curve.groupby("date").size().value_counts().to_dict() == {48: 363, 46: 1, 50: 1}


@pytest.mark.real_data
@pytest.mark.slow
def test_ingest_joins_an_xls_and_a_zip_and_featurize_counts_their_rules(tmp_path: Path) -> None:
    temperature = SHARED / "odre" / "temperature-quotidienne-regionale_2016-2018_iso.csv"
    if not (ANNUAL / "eCO2mix_RTE_Annuel-Definitif_2018.zip").exists() or not temperature.exists():
        pytest.skip("the eCO2mix and ODRÉ exports in ../shared/data are absent")
    params = merge(
        SMALL,
        {
            "data": {
                "source": "files",
                "start": "2017-01-01",
                "end": "2018-12-31",
                "files": {
                    "consumption": "data/external/eCO2mix_RTE_Annuel-Definitif_*",
                    "temperature": "data/external/temperature.csv",
                },
            },
        },
    )
    repo = make_repo(tmp_path / "repo", params)
    for name in ("2017.xls", "2018.zip"):
        shutil.copy(ANNUAL / f"eCO2mix_RTE_Annuel-Definitif_{name}", repo / "data/external")
    shutil.copy(temperature, repo / "data/external/temperature.csv")
    run(repo, str(BIN / "dvc"), "repro", "featurize")
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["days"] == {"kept": 730, "left_out": {}}
    consumption = quality["consumption"]
    assert consumption["spring_rows_dropped"] == 8
    assert consumption["quarter_hours_merged"] == 2 * (365 * 48 - 2)
    assert consumption["footer_lines_dropped"] == 4
    assert quality["interpolated"] == {"2017-10-29": 2, "2018-10-28": 2}
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert daily[RTE_J1].notna().sum() == 728
