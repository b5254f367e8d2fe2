"""The series RTE forecasts: ENTSO-E and eCO2mix exports, their quirks resolved and counted,
RTE's J-1 forecast kept beside the actual."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BIN, ONE_FAMILY, ROOT, SMALL, all_runs, make_repo, merge, run

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE, RTE_J1
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.runtime.settings import QualityRules

ENTSOE = ROOT.parent / "shared" / "data" / "entsoe"
ECO2MIX = ROOT.parent / "shared" / "data" / "eco2mix" / "eco2mix-national-tr_2021-12.csv"
HEADER = (
    '"Time (UTC)","Day-ahead Total Load Forecast [MW] - BZN|FR","Actual Total Load [MW] - BZN|FR"'
)


def entsoe_rows(start: str, end: str, step: str, actual, forecast=None) -> list[str]:
    """Rows of an ENTSO-E export over [start, end) UTC, one per `step`."""
    starts = pd.date_range(start, end, freq=step, inclusive="left")
    values = np.broadcast_to(np.asarray(actual, dtype=object), len(starts))
    forecasts = np.broadcast_to(
        np.asarray(actual if forecast is None else forecast, dtype=object), len(starts)
    )
    fmt = "%d.%m.%Y %H:%M"
    return [
        f'"{s:{fmt}} - {(s + pd.Timedelta(step)):{fmt}}","{f}","{v}"'
        for s, v, f in zip(starts, values, forecasts, strict=True)
    ]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_entsoe_days_have_their_real_length_across_clock_changes_and_interval_lengths(
    tmp_path: Path,
) -> None:
    # Paris 27-29 March 2021 (the 28th lasts 23 h), hourly, then 15-minute from the 29th;
    # 30 and 31 October 2021 (the 31st lasts 25 h).
    rows = entsoe_rows("2021-03-26 23:00", "2021-03-28 22:00", "1h", 50000, 51000)
    rows += entsoe_rows("2021-03-28 22:00", "2021-03-29 22:00", "15min", 60000, 59000)
    rows += entsoe_rows("2021-10-29 22:00", "2021-10-31 23:00", "1h", 40000, 41000)
    days = read_consumption(write(tmp_path / "load.csv", HEADER, rows), QualityRules(), "09:00")
    table = days.table
    expected = {
        "2021-03-27": (24, 50000, 51000),
        "2021-03-28": (23, 50000, 51000),
        "2021-03-29": (24, 60000, 59000),
        "2021-10-30": (24, 40000, 41000),
        "2021-10-31": (25, 40000, 41000),
    }
    assert [d.date().isoformat() for d in table.index] == list(expected)
    for day, (hours, mw, forecast) in expected.items():
        assert table.at[pd.Timestamp(day), "consumption_mwh"] == hours * mw
        assert table.at[pd.Timestamp(day), RTE_J1] == hours * forecast
        assert table.at[pd.Timestamp(day), "n_halfhours"] == 2 * hours
    # To 09:00 Paris: 9 h of wall clock, 8 h of energy on the spring day (02:00-03:00 skipped).
    assert table.at[pd.Timestamp("2021-03-27"), CONSUMPTION_TO_ISSUE] == 9 * 50000
    assert table.at[pd.Timestamp("2021-03-28"), CONSUMPTION_TO_ISSUE] == 8 * 50000
    assert table.at[pd.Timestamp("2021-03-29"), CONSUMPTION_TO_ISSUE] == 9 * 60000
    assert table.at[pd.Timestamp("2021-10-31"), CONSUMPTION_TO_ISSUE] == 10 * 40000
    # The curve at the series' own step: hours, and the 15-minute day's half-hours.
    curve = days.curve
    intervals = curve.groupby("date").size()
    assert intervals.to_dict() == {
        pd.Timestamp(d): n for d, n in zip(expected, [24, 23, 48, 24, 25], strict=True)
    }
    assert (
        curve.loc[curve["date"] == "2021-03-29", ["mw", "rte_j1_mw"]].eq([60000, 59000]).all().all()
    )
    assert curve["start"].is_monotonic_increasing and str(curve["start"].dt.tz) == "UTC"


def test_missing_values_are_interpolated_up_to_the_rule_and_unpublished_ones_end_the_series(
    tmp_path: Path,
) -> None:
    values = [50000.0] * 48
    values[10], values[11] = "N/A", "N/A"  # two hours of 2 January missing: 4 half-hours
    values[30:] = ["N/A"] * 3 + [50000.0] * 15  # three hours of 3 January: 6 half-hours
    rows = entsoe_rows("2020-01-01 23:00", "2020-01-03 23:00", "1h", values)
    rows += entsoe_rows("2020-01-03 23:00", "2020-01-04 23:00", "1h", ["52000"] * 12 + ["-"] * 12)
    path = write(tmp_path / "load.csv", HEADER, rows)
    days = read_consumption(path, QualityRules(), None)
    assert list(days.table.index) == [pd.Timestamp("2020-01-02")]
    assert days.table["consumption_mwh"].iloc[0] == 24 * 50000
    counts = days.days.sum()
    assert counts["values_missing"] == 5
    assert counts["values_unpublished"] == 12
    assert counts["halfhours_interpolated"] == 4
    assert days.incomplete == [pd.Timestamp("2020-01-03"), pd.Timestamp("2020-01-04")]
    # With no interpolation, 2 January is incomplete too.
    strict = read_consumption(path, QualityRules(max_missing_halfhours=0), None)
    assert strict.table.empty


def test_eco2mix_rows_out_of_order_are_sorted_and_counted(tmp_path: Path) -> None:
    header = (
        "Périmètre;Nature;Date;Heure;Date - Heure;Consommation (MW);Prévision J-1 (MW);"
        "Prévision J (MW)"
    )
    instants = pd.date_range(
        "2021-12-01", "2021-12-03", freq="15min", inclusive="left", tz="Europe/Paris"
    )
    rows = [
        f"France;Données temps réel;{t:%Y-%m-%d};{t:%H:%M};{t.isoformat()};"
        f"{60000 + 1000 * t.day};{61000 + 1000 * t.day};{60500}"
        for t in instants
    ]
    shuffled = rows[96:] + rows[:96]  # the second day first, as exports come
    days = read_consumption(write(tmp_path / "eco2mix.csv", header, shuffled), QualityRules())
    assert days.table["consumption_mwh"].tolist() == [61000 * 24, 62000 * 24]
    assert days.table[RTE_J1].tolist() == [62000 * 24, 63000 * 24]
    assert days.table["status"].tolist() == ["Temps réel", "Temps réel"]
    assert days.days["rows_reordered"].sum() == 96


def test_an_interval_given_twice_with_two_values_is_refused_by_line(tmp_path: Path) -> None:
    rows = entsoe_rows("2020-01-01 23:00", "2020-01-02 23:00", "1h", 50000)
    same = write(tmp_path / "same.csv", HEADER, [*rows[:5], rows[4], *rows[5:]])
    assert read_consumption(same).days["identical_duplicate"].sum() == 1
    other = rows[4].replace('"50000"', '"50500"')
    with pytest.raises(InputError) as caught:
        read_consumption(write(tmp_path / "two.csv", HEADER, [*rows[:5], other, *rows[5:]]))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'two.csv'}, line 7:")
    assert "lines [6, 7] with different values" in message


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ('"01.01.2020 23:00 - 01.01.2020 22:00","50000","50000"', "a UTC interval"),
        ('"01.01.2020 23:00 - 02.01.2020 00:00","50000","lots"', "a number of MW"),
        ('"01.01.2020 23:00 - 02.01.2020 00:00","50000","500"', "halfhour_mw_bounds"),
    ],
)
def test_a_bad_entsoe_row_is_refused_by_line(tmp_path: Path, row: str, expected: str) -> None:
    rows = entsoe_rows("2020-01-01 21:00", "2020-01-01 23:00", "1h", 50000)
    with pytest.raises(InputError) as caught:
        read_consumption(write(tmp_path / "bad.csv", HEADER, [*rows, row]))
    assert "line 4" in str(caught.value)
    assert expected in str(caught.value)


@pytest.mark.real_data
def test_the_real_entsoe_years_give_rte_its_published_error() -> None:
    files = sorted(ENTSOE.glob("Total Load*.csv"))
    if not files:
        pytest.skip("the ENTSO-E exports in ../shared/data/entsoe are absent")
    for path, year, mape in zip(files, (2020, 2021), (1.16, 1.03), strict=True):
        table = read_consumption(path, QualityRules(), "09:00").table
        assert table.index.year.unique().tolist() == [year]
        error = (table[RTE_J1] - table["consumption_mwh"]).abs() / table["consumption_mwh"]
        assert error.mean() * 100 == pytest.approx(mape, abs=0.015)
        assert table[CONSUMPTION_TO_ISSUE].notna().all()


@pytest.mark.real_data
def test_the_real_eco2mix_month_is_the_series_entsoe_carries() -> None:
    files = sorted(ENTSOE.glob("Total Load*_2021*.csv"))
    if not ECO2MIX.exists() or not files:
        pytest.skip("the eCO2mix and ENTSO-E exports in ../shared/data are absent")
    eco2mix = read_consumption(ECO2MIX, QualityRules(), "09:00")
    assert len(eco2mix.table) == 31
    assert eco2mix.days["rows_reordered"].sum() > 0
    entsoe = read_consumption(files[-1]).table
    both = eco2mix.table.join(entsoe, rsuffix="_entsoe", how="inner")
    assert len(both) == 31
    gap = (both["consumption_mwh"] / both["consumption_mwh_entsoe"] - 1).abs()
    assert gap.mean() < 0.01
    # RTE's J-1 forecast is one series in both exports.
    j1 = (both[RTE_J1] / both[f"{RTE_J1}_entsoe"] - 1).abs()
    assert j1.max() < 0.005


@pytest.mark.slow
@pytest.mark.real_data
def test_the_pipeline_on_the_entsoe_years_sets_rte_beside_ours(tmp_path: Path) -> None:
    """`data.files.consumption` as a glob of the yearly ENTSO-E files: the backtest writes
    RTE's J-1 forecast beside ours (issued at 09:00 and at the end of D-1), with its scores,
    and the special days'."""
    files = sorted(ENTSOE.glob("Total Load*.csv"))
    temperature = (
        ROOT.parent / "shared/data/odre/temperature-quotidienne-regionale_2016-2021_ddmmyy.csv"
    )
    if not files or not temperature.exists():
        pytest.skip("the ENTSO-E and ODRÉ exports in ../shared/data are absent")
    params = merge(
        SMALL,
        {
            "data": {
                "source": "files",
                "start": "2020-01-02",
                "end": "latest",
                "files": {
                    "consumption": "data/external/Total Load*.csv",
                    "temperature": "data/external/temperature.csv",
                },
            },
            # Both ends where the data end, as a user keeping the model current sets them.
            "split": {"test_start": "2021-07-01", "test_end": "latest"},
            "backtest": {"start": None, "end": None},
        },
    ) | {"families": ONE_FAMILY}
    repo = make_repo(tmp_path / "repo", params)
    for path in files:
        shutil.copy(path, repo / "data/external" / path.name)
    shutil.copy(temperature, repo / "data/external/temperature.csv")
    run(repo, str(BIN / "dvc"), "repro")

    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["range"] == {"start": "2020-01-02", "end": "2021-12-31", "end_param": "latest"}
    assert quality["consumption"]["values_missing"] == 11
    assert quality["consumption"]["halfhours_interpolated"] == 22
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    assert len(daily) == 730
    table = pd.read_csv(repo / "reports/backtest.csv")
    assert table["date"].iloc[[0, -1]].tolist() == ["2021-07-01", "2021-12-31"]
    expected = daily.set_index(daily["date"].dt.strftime("%Y-%m-%d"))[RTE_J1].loc[table["date"]]
    np.testing.assert_allclose(table["rte_j1"], expected.round(1))
    summary = json.loads((repo / "reports/backtest.json").read_text())
    rte = (table["rte_j1"] - table["actual"]).abs() / table["actual"] * 100
    assert summary["rte_j1"]["2021"]["mape"] == pytest.approx(rte.mean(), rel=1e-6)
    special = summary["special_days"]["2021"]
    assert special["clock_change_days"] == 1  # 31 October
    assert special["special_days"] + special["other_days"] == len(table)
    assert special["rte_j1_other_mape"] is not None
    # Ours issued at the end of D-1 too: RTE's archived J-1 may be a later update than 09:00's.
    late = table["adaptive_end_of_d-1"]
    assert late.notna().all() and (late != table["adaptive"]).mean() > 0.9
    late_mape = ((late - table["actual"]).abs() / table["actual"] * 100).mean()
    assert summary["adaptive_end_of_d-1"]["2021"]["mape"] == pytest.approx(late_mape, rel=1e-5)
    metrics = json.loads((repo / "reports/backtest_metrics.json").read_text())
    ours = {"static", "adaptive", "article", "adaptive_end_of_d-1"}
    assert set(metrics["mape"]) == ours | {"rte_j1"}
    (backtest,) = [r for r in all_runs(repo) if r.info.run_name == "backtest"]
    assert backtest.data.metrics["rte_j1_2021_mape"] == pytest.approx(rte.mean(), rel=1e-6)


def test_every_day_carries_its_consumption_to_the_issue_time_the_last_one_too(
    tmp_path: Path,
) -> None:
    # Two whole Paris days, then the third to 10:00 Paris: the morning a forecast is issued.
    rows = entsoe_rows("2021-01-04 23:00", "2021-01-07 09:00", "1h", 50000)
    days = read_consumption(write(tmp_path / "load.csv", HEADER, rows), QualityRules(), "09:00")
    assert list(days.table.index) == [pd.Timestamp("2021-01-05"), pd.Timestamp("2021-01-06")]
    assert days.days[CONSUMPTION_TO_ISSUE].to_dict() == {
        pd.Timestamp("2021-01-05"): 9 * 50000,
        pd.Timestamp("2021-01-06"): 9 * 50000,
        pd.Timestamp("2021-01-07"): 9 * 50000,
    }


def test_a_broken_row_of_a_joined_export_is_named_in_its_own_file(tmp_path: Path) -> None:
    from energy_forecast.data import sources

    first = entsoe_rows("2020-12-30 23:00", "2020-12-31 23:00", "1h", 50000)
    second = entsoe_rows("2020-12-31 23:00", "2021-01-01 23:00", "1h", 50000)
    # The second year's file, cut and run on, as a failed download leaves it: a fourth field.
    second[5] = second[5] + ',"5"'
    (tmp_path / "data/raw").mkdir(parents=True)
    raw = write(tmp_path / "data/raw/consumption.csv", HEADER, [*first, *second])
    parts = [
        sources.Part("data/external/load_2020.csv", 2, 2),
        sources.Part("data/external/load_2021.csv", 26, 2),
    ]
    with pytest.raises(InputError) as err:
        read_consumption(raw)
    assert err.value.line == 31
    named = sources.located(err.value, tmp_path, Path("data/raw/consumption.csv"), parts)
    assert str(named).startswith(
        "data/external/load_2021.csv, line 7: malformed row: 4 fields where the header has 3"
    )
