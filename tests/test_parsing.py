"""The parsers on hand-made rows, on generated exports and on the real RTE files."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PUBLISHED_TWH, forecast_as_issued
from exportfiles import HEADER, TEMPERATURE_HEADER, consumption_rows, temperature_rows, write

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE
from energy_forecast.data import exports
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.data.daily import daily_table
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.runtime.settings import QualityRules
from energy_forecast.synthetic.generator import generate


def test_ordinary_day_is_the_sum_of_half_hours_times_half(tmp_path: Path) -> None:
    mw = list(range(50000, 50048))
    path = write(tmp_path / "c.csv", HEADER, consumption_rows("2017-01-10", mw))
    table = read_consumption(path).table
    assert table.loc["2017-01-10", "consumption_mwh"] == pytest.approx(sum(mw) * 0.5)
    assert table.loc["2017-01-10", "n_halfhours"] == 48
    assert table.loc["2017-01-10", "status"] == "Définitif"


def test_day_with_a_missing_half_hour_is_left_out_and_counted(tmp_path: Path) -> None:
    rows = consumption_rows("2017-01-10", [50000] * 48) + consumption_rows(
        "2017-01-11", [51000] * 47
    )
    days = read_consumption(write(tmp_path / "c.csv", HEADER, rows))
    assert list(days.table.index) == [pd.Timestamp("2017-01-10")]
    assert days.incomplete == [pd.Timestamp("2017-01-11")]


def test_midnight_row_filed_under_the_day_before_goes_back_to_its_day(tmp_path: Path) -> None:
    first = consumption_rows("2017-01-10", [50000] * 48)
    second = consumption_rows("2017-01-11", [60000] * 48)
    # The export files 11 January 00:00 under 10 January (49 and 47 rows).
    second[0] = second[0].replace(";11/01/2017;", ";10/01/2017;", 1)
    days = read_consumption(write(tmp_path / "c.csv", HEADER, first + second))
    assert days.refiled_rows == 1
    assert days.table["n_halfhours"].tolist() == [48, 48]
    assert days.table["consumption_mwh"].tolist() == [50000 * 24, 60000 * 24]


def test_clock_change_days(tmp_path: Path) -> None:
    """Spring: 46 real half-hours, 23 h. Autumn: 48 rows of 50 half-hours, 25 h."""
    consumption, temperature = tmp_path / "c.csv", tmp_path / "t.csv"
    generate(consumption, temperature, pd.Timestamp("2018-03-24"), pd.Timestamp("2018-10-29"), 1)
    raw = pd.read_csv(consumption, sep=";", encoding="utf-8-sig")
    mw = exports.CONSUMPTION_MW
    table = read_consumption(consumption).table

    spring = raw[raw["Date"] == "25/03/2018"]
    assert len(spring) == 48
    real = spring[~spring["Heure"].isin(["02:00", "02:30"])]
    assert table.loc["2018-03-25", "n_halfhours"] == 46
    assert table.loc["2018-03-25", "consumption_mwh"] == pytest.approx(real[mw].sum() * 0.5)

    autumn = raw[raw["Date"] == "28/10/2018"]
    assert len(autumn) == 48
    assert table.loc["2018-10-28", "consumption_mwh"] == pytest.approx(autumn[mw].mean() * 25)
    assert (table["n_halfhours"] == 48).sum() == len(table) - 1


def _error(path: Path, parse: Callable[[Path], object] = read_consumption) -> str:
    with pytest.raises(InputError) as caught:
        parse(path)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_bad_consumption_inputs_name_file_line_and_column(tmp_path: Path) -> None:
    good = consumption_rows("2017-01-10", [50000] * 48)
    message = _error(
        write(tmp_path / "sep.csv", HEADER.replace(";", ","), [r.replace(";", ",") for r in good])
    )
    assert "line 1" in message and "';'" in message and "','" in message

    path = tmp_path / "latin1.csv"
    path.write_bytes("\r\n".join([HEADER, *good]).encode("latin-1"))
    assert "line 1" in _error(path) and "UTF-8" in _error(path)

    missing = HEADER.replace(exports.CONSUMPTION_MW, "Consommation")
    assert exports.CONSUMPTION_MW in _error(write(tmp_path / "col.csv", missing, good))

    bad = good.copy()
    bad[5] = bad[5].replace(";50000;", ";5O000;")
    message = _error(write(tmp_path / "num.csv", HEADER, bad))
    # Rows are written newest first: row 5 of 48 sits on line 1 + 48 - 5.
    assert "line 44" in message and exports.CONSUMPTION_MW in message and "5O000" in message

    dup = [*good, good[7].replace(";50000;", ";50100;")]
    strict = QualityRules(conflicting_duplicates="error")
    message = _error(
        write(tmp_path / "dup.csv", HEADER, dup), partial(read_consumption, rules=strict)
    )
    assert "lines [2, 43] with different values 50100, 50000" in message

    date = good.copy()
    date[3] = date[3].replace("10/01/2017", "2017-01-10")
    assert "dd/mm/yyyy" in _error(write(tmp_path / "date.csv", HEADER, date))


def misfiled_midnight(tmp_path: Path) -> Path:
    """The 2020 defect: 6 January's 00:00 filed as a second 00:00 of 5 January."""
    fifth = consumption_rows("2021-01-05", [60000 + 10 * i for i in range(48)])
    sixth = consumption_rows("2021-01-06", [70000 + 10 * i for i in range(48)])
    # The misfiled row continues 6 January (70000 before 70010), not 5 January (60000).
    misfiled = (
        sixth[0].replace("2021-01-05T23:00", "2021-01-04T23:00").replace("06/01/2021", "05/01/2021")
    )
    return write(tmp_path / "c.csv", HEADER, [fifth[0], misfiled, *fifth[1:], *sixth[1:]])


def test_a_conflicting_midnight_is_refiled_to_the_next_days_missing_half_hour(
    tmp_path: Path,
) -> None:
    days = read_consumption(misfiled_midnight(tmp_path))
    assert days.incomplete == []
    assert days.table["consumption_mwh"].tolist() == [
        sum(60000 + 10 * i for i in range(48)) * 0.5,
        sum(70000 + 10 * i for i in range(48)) * 0.5,
    ]
    (resolution,) = days.resolutions
    # Written newest first: 5 January's two 00:00 rows are the last two lines.
    assert (resolution.rule, resolution.lines) == ("refile", (96, 97))
    assert "70000 MW (line 96) refiled to the missing 2021-01-06 00:00" in resolution.action


def test_the_first_rule_keeps_the_first_line_and_the_next_day_lacks_a_half_hour(
    tmp_path: Path,
) -> None:
    path = misfiled_midnight(tmp_path)
    first = QualityRules(conflicting_duplicates="first", max_missing_halfhours=0)
    days = read_consumption(path, first)
    assert days.incomplete == [pd.Timestamp("2021-01-06")]
    assert days.resolutions[0].rule == "first"
    assert days.table.loc["2021-01-05", "consumption_mwh"] == pytest.approx(
        (sum(60000 + 10 * i for i in range(1, 48)) + 70000) * 0.5
    )
    # By default the half-hour it lacks is interpolated between 5 January's 23:30 and its own
    # 00:30, and counted.
    completed = read_consumption(path, QualityRules(conflicting_duplicates="first"))
    assert completed.incomplete == []
    assert completed.days["halfhours_interpolated"].to_dict() == {
        pd.Timestamp("2021-01-05"): 0,
        pd.Timestamp("2021-01-06"): 1,
    }
    assert completed.table.loc["2021-01-06", "consumption_mwh"] == pytest.approx(
        (sum(70000 + 10 * i for i in range(1, 48)) + (60470 + 70010) / 2) * 0.5
    )


def test_a_duplicate_two_days_before_the_half_hour_it_belongs_to_is_refiled_there(
    tmp_path: Path,
) -> None:
    """The 2022 and 2023 shape: 4 December's 00:00 twice, 6 December without its 00:00."""
    ramps = {
        day: [base + 10 * i for i in range(48)]
        for day, base in [("2022-12-04", 57000), ("2022-12-05", 58000), ("2022-12-06", 59800)]
    }
    rows = {day: consumption_rows(day, mw) for day, mw in ramps.items()}
    # The row that belongs to 6 December (its 00:30 is 59810) sits under 4 December at 00:00.
    misfiled = rows["2022-12-04"][0].replace(";57000;", ";59795;")
    export = [rows["2022-12-04"][0], misfiled, *rows["2022-12-04"][1:], *rows["2022-12-05"]]
    export += rows["2022-12-06"][1:]
    days = read_consumption(write(tmp_path / "c.csv", HEADER, export))
    assert days.incomplete == [] and days.days["halfhours_interpolated"].sum() == 0
    (resolution,) = days.resolutions
    assert resolution.rule == "refile"
    assert "59795 MW (line 144) refiled to the missing 2022-12-06 00:00" in resolution.action
    expected = {day: sum(mw) * 0.5 for day, mw in ramps.items()}
    expected["2022-12-06"] += (59795 - 59800) * 0.5
    assert days.table["consumption_mwh"].to_dict() == {
        pd.Timestamp(day): pytest.approx(mwh) for day, mwh in expected.items()
    }


def test_a_day_missing_a_few_half_hours_is_interpolated_and_counted(tmp_path: Path) -> None:
    ramp = [50000 + 20 * i for i in range(48)]
    rows = [
        row
        for day in ("2021-03-01", "2021-03-02", "2021-03-03")
        for row in consumption_rows(day, ramp)
    ]
    # 2 March lacks 09:00, 09:30 and 17:00: a straight line through them is the ramp itself.
    short = [r for r in rows if not (";02/03/2021;" in r and (";09:" in r or ";17:00;" in r))]
    days = read_consumption(write(tmp_path / "c.csv", HEADER, short))
    assert days.incomplete == []
    assert days.days.loc["2021-03-02", "halfhours_interpolated"] == 3
    assert days.table.loc["2021-03-02", "n_halfhours"] == 48
    assert days.table.loc["2021-03-02", "consumption_mwh"] == pytest.approx(sum(ramp) * 0.5)
    temperature = write(
        tmp_path / "t.csv",
        TEMPERATURE_HEADER,
        temperature_rows(["2021-03-01", "2021-03-02", "2021-03-03"]),
    )
    report = daily_table(
        write(tmp_path / "c.csv", HEADER, short),
        temperature,
        pd.Timestamp("2021-03-01"),
        pd.Timestamp("2021-03-02"),
        2019,
    )[1].metrics()
    assert report["consumption"]["halfhours_interpolated"] == 3
    assert report["interpolated"] == {"2021-03-02": 3}
    # One more than data.quality.max_missing_halfhours allows: left out, as before.
    fewer = read_consumption(
        write(tmp_path / "c.csv", HEADER, short), QualityRules(max_missing_halfhours=2)
    )
    assert fewer.incomplete == [pd.Timestamp("2021-03-02")]
    assert fewer.days["halfhours_interpolated"].sum() == 0


def test_non_final_rows_are_kept_dropped_or_refused_by_rule(tmp_path: Path) -> None:
    rows = consumption_rows("2021-01-05", [60000] * 48)
    rows[3] = rows[3].replace("Définitif", "Consolidé")
    path = write(tmp_path / "c.csv", HEADER, rows)
    kept = read_consumption(path)
    assert kept.table["status"].tolist() == ["Consolidé"]
    assert kept.days.loc["2021-01-05", ["Définitif", "Consolidé"]].tolist() == [47, 1]
    dropped = read_consumption(path, QualityRules(non_final_status="drop"))
    assert dropped.incomplete == [pd.Timestamp("2021-01-05")]
    message = _error(path, partial(read_consumption, rules=QualityRules(non_final_status="error")))
    assert "line 46" in message and "'Consolidé' is not final" in message


@pytest.mark.real_data
def test_both_temperature_variants_parse_alike(real_files) -> None:
    _, iso, ddmmyy = real_files
    a, b = read_temperature(iso), read_temperature(ddmmyy)
    merged = a.merge(b, on=["date", "region"], suffixes=("_iso", "_dd"))
    assert len(merged) == len(a) == 13 * (1096 - 2)
    assert len(b) == 13 * 1096
    for stat in ("min", "max", "mean"):
        np.testing.assert_allclose(merged[f"{stat}_iso"], merged[f"{stat}_dd"], atol=0.011)


def test_bad_temperature_inputs(tmp_path: Path) -> None:
    days = ["2017-01-01", "2017-01-02"]
    rows = temperature_rows(days)
    unknown = [rows[0].replace(";11;", ";12;", 1), *rows[1:]]
    message = _error(
        write(tmp_path / "region.csv", TEMPERATURE_HEADER, unknown, bom=False), read_temperature
    )
    assert "Code INSEE région" in message and "'12'" in message and "line" in message

    text = [rows[0].replace(";5.0", ";warm"), *rows[1:]]
    message = _error(write(tmp_path / "num.csv", TEMPERATURE_HEADER, text), read_temperature)
    assert "TMoy (°C)" in message and "warm" in message

    conflict = [*rows, rows[3].replace(";5.0", ";6.0")]
    message = _error(write(tmp_path / "dup.csv", TEMPERATURE_HEADER, conflict), read_temperature)
    assert "different values" in message

    no_region = TEMPERATURE_HEADER.replace("Code INSEE région", "Code")
    assert "Code INSEE région" in _error(
        write(tmp_path / "c.csv", no_region, rows), read_temperature
    )


def test_short_temperature_gaps_are_interpolated_and_flagged(tmp_path: Path) -> None:
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range("2017-01-01", "2017-01-10")]
    gap = {(d, 53) for d in days[3:6]}
    path = write(tmp_path / "t.csv", TEMPERATURE_HEADER, temperature_rows(days, gap))
    national = national_temperatures(read_temperature(path), 2019)
    assert national["temperature_imputed"].tolist() == [False] * 3 + [True] * 3 + [False] * 4
    assert national["avg_mean_temperature"].iloc[4] == pytest.approx(5.0)

    long_gap = {(d, 53) for d in days[2:6]}
    path = write(tmp_path / "t4.csv", TEMPERATURE_HEADER, temperature_rows(days, long_gap))
    with pytest.raises(InputError, match=r"2017-01-03.*2017-01-06"):
        national_temperatures(read_temperature(path), 2019, source=str(path))


def test_a_minimum_above_the_maximum_is_refused_with_its_line(tmp_path: Path) -> None:
    rows = temperature_rows(["2017-01-01", "2017-01-02"])
    rows[4] = rows[4].replace(";1.5;8.5;5.0", ";9.5;8.5;5.0")
    message = _error(write(tmp_path / "t.csv", TEMPERATURE_HEADER, rows), read_temperature)
    assert "TMin 9.5, TMoy 5, TMax 8.5 °C; expected TMin <= TMoy <= TMax" in message
    # Written newest first: row 4 of 26 sits on line 1 + 26 - 4.
    assert "line 23" in message


def test_a_gap_at_a_window_edge_is_interpolated_from_the_days_beyond_it(tmp_path: Path) -> None:
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range("2017-01-01", "2017-01-10")]
    # Region 11 lacks 4 January, the first day of a window, and 7 January, its last.
    gaps = {("2017-01-04", 11), ("2017-01-07", 11)}
    regional = read_temperature(
        write(tmp_path / "t.csv", TEMPERATURE_HEADER, temperature_rows(days, gaps))
    )
    window = national_temperatures(
        regional, 2019, pd.Timestamp("2017-01-04"), pd.Timestamp("2017-01-07"), max_gap_days=1
    )
    whole = national_temperatures(regional, 2019, max_gap_days=1)
    pd.testing.assert_frame_equal(window, whole.loc["2017-01-04":"2017-01-07"])
    assert window["temperature_imputed"].tolist() == [True, False, False, True]
    # With nothing after the gap, the error says so rather than blaming the gap's length.
    cut = regional[regional["date"] <= "2017-01-07"]
    with pytest.raises(InputError) as err:
        national_temperatures(cut, 2019, pd.Timestamp("2017-01-05"), max_gap_days=3)
    assert "on 1 consecutive day(s) ['2017-01-07'] and none after them to interpolate" in str(
        err.value
    )
    with pytest.raises(InputError, match=r"at most 0 consecutive days can be interpolated"):
        national_temperatures(regional, 2019, max_gap_days=0)


@pytest.mark.real_data
def test_real_consumption_matches_the_published_totals(real_files) -> None:
    consumption, _, ddmmyy = real_files
    days = read_consumption(consumption)
    readme = {year: twh for year, twh in PUBLISHED_TWH.items() if year <= 2018}
    totals = days.table["consumption_mwh"].groupby(days.table.index.year).sum() / 1e6
    for year, twh in readme.items():
        assert totals[year] == pytest.approx(twh, rel=5e-4)
    every_day = pd.date_range("2016-01-01", "2018-12-31")
    assert every_day.isin(days.table.index).all()
    assert days.incomplete == []
    national = national_temperatures(read_temperature(ddmmyy), 2019)
    wavg = national["wavg_mean_temperature"]
    assert -10 < wavg.min() < 5 and 25 < wavg.max() < 32 and 11 < wavg.mean() < 15


def test_a_range_with_no_data_is_an_error(tmp_path: Path) -> None:
    consumption, temperature = tmp_path / "c.csv", tmp_path / "t.csv"
    generate(consumption, temperature, pd.Timestamp("2017-01-01"), pd.Timestamp("2017-01-31"), 1)
    with pytest.raises(
        InputError,
        match=r"no consumption from data.start \(2018-01-01\) on; "
        r"the file covers 2017-01-01 to 2017-01-31",
    ):
        daily_table(consumption, temperature, pd.Timestamp("2018-01-01"), None, 2019)


def drop_temperature_day(path: Path, day: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(day)), encoding="utf-8")


def test_latest_is_the_last_day_both_exports_cover(tmp_path: Path) -> None:
    consumption, temperature = tmp_path / "c.csv", tmp_path / "t.csv"
    generate(consumption, temperature, pd.Timestamp("2017-01-01"), pd.Timestamp("2017-01-31"), 1)
    drop_temperature_day(temperature, "2017-01-31")
    start = pd.Timestamp("2017-01-01")
    table, report, _ = daily_table(consumption, temperature, start, None, 2019)
    assert table["date"].max() == pd.Timestamp("2017-01-30")
    assert report.metrics()["range"] == {
        "start": "2017-01-01",
        "end": "2017-01-30",
        "end_param": "latest",
    }


def test_an_end_in_a_gap_names_the_gap_and_the_last_complete_day(tmp_path: Path) -> None:
    consumption, temperature = tmp_path / "c.csv", tmp_path / "t.csv"
    generate(consumption, temperature, pd.Timestamp("2017-01-01"), pd.Timestamp("2017-01-31"), 1)
    drop_temperature_day(temperature, "2017-01-30")
    drop_temperature_day(temperature, "2017-01-31")
    with pytest.raises(InputError) as caught:
        daily_table(
            consumption,
            temperature,
            pd.Timestamp("2017-01-01"),
            pd.Timestamp("2017-01-30"),
            2019,
        )
    message = str(caught.value)
    assert "data.end 2017-01-30 is past the data" not in message
    assert "data.end 2017-01-30 falls in a gap" in message
    assert f"{temperature} ends on 2017-01-29" in message
    assert "the last day both cover completely before it is 2017-01-29" in message

    # Inside the range the same day is interpolated and counted.
    drop_temperature_day(temperature, "2017-01-15")
    _, report, _ = daily_table(
        consumption,
        temperature,
        pd.Timestamp("2017-01-01"),
        pd.Timestamp("2017-01-29"),
        2019,
    )
    assert report.metrics()["temperature"] == {"days_imputed": 1, "region_days_imputed": 13}
    with pytest.raises(InputError, match=r"data\.quality\.max_temperature_gap_days"):
        daily_table(
            consumption,
            temperature,
            pd.Timestamp("2017-01-01"),
            pd.Timestamp("2017-01-29"),
            2019,
            QualityRules(missing_temperature_days="error"),
        )


def test_days_left_out_are_reported_and_a_long_gap_is_an_error(tmp_path: Path) -> None:
    days = [f"{d:%Y-%m-%d}" for d in pd.date_range("2021-01-01", "2021-01-10")]
    rows = [row for day in days for row in consumption_rows(day, [60000] * 48)]
    without = [r for r in rows if ";04/01/2021;" not in r and ";05/01/2021;" not in r]
    consumption = write(tmp_path / "c.csv", HEADER, without)
    temperature = write(tmp_path / "t.csv", TEMPERATURE_HEADER, temperature_rows(days))
    start, end = pd.Timestamp(days[0]), pd.Timestamp(days[-1])
    table, report, _ = daily_table(consumption, temperature, start, end, 2019)
    assert len(table) == 8
    assert report.metrics()["left_out"] == {"absent": ["2021-01-04", "2021-01-05"]}
    assert report.metrics()["days"] == {"kept": 8, "left_out": {"absent": 2}}
    with pytest.raises(InputError, match=r"2 consecutive days 2021-01-04..2021-01-05; at most 1"):
        daily_table(
            consumption,
            temperature,
            start,
            end,
            2019,
            QualityRules(max_consumption_gap_days=1),
        )


def test_exports_from_before_2025_say_grtgaz(tmp_path: Path) -> None:
    old_header = HEADER.replace("NaTran", "GRTgaz")
    assert "GRTgaz" in old_header and "NaTran" not in old_header
    mw = [50000] * 48
    table = read_consumption(
        write(tmp_path / "c.csv", old_header, consumption_rows("2017-01-10", mw))
    ).table
    assert table["consumption_mwh"].tolist() == [sum(mw) * 0.5]


def test_the_consumption_to_the_issue_time_counts_the_half_hours_ended_by_then(
    tmp_path: Path,
) -> None:
    mw = [40000 + 100 * i for i in range(48)]
    # The 13th is published to 10:00, as it would be at 10:00 that day.
    rows = consumption_rows("2021-01-12", mw) + consumption_rows("2021-01-13", mw[:20])
    days = read_consumption(write(tmp_path / "c.csv", HEADER, rows), issue_time="09:15")
    to_nine = sum(mw[:18]) * 0.5
    assert days.table.loc["2021-01-12", CONSUMPTION_TO_ISSUE] == to_nine
    assert pd.Timestamp("2021-01-13") not in days.table.index
    assert days.days.loc["2021-01-13", CONSUMPTION_TO_ISSUE] == to_nine
    # A half-hour missing before the issue time leaves the part unknown; one after it does not.
    before = [r for r in rows if ";13/01/2021;05:00;" not in r]
    after = [r for r in rows if ";13/01/2021;09:00;" not in r]
    for kept, expected in ((before, np.nan), (after, to_nine)):
        days = read_consumption(write(tmp_path / "c.csv", HEADER, kept), issue_time="09:15")
        np.testing.assert_equal(days.days.loc["2021-01-13", CONSUMPTION_TO_ISSUE], expected)
    assert CONSUMPTION_TO_ISSUE not in read_consumption(tmp_path / "c.csv").table.columns


@pytest.mark.real_data
def test_every_whole_real_day_has_its_part_to_the_issue_time(
    real_files_2021: tuple[Path, Path],
) -> None:
    table = read_consumption(real_files_2021[0], issue_time="09:00").table
    share = table[CONSUMPTION_TO_ISSUE] / table["consumption_mwh"]
    # 00:00-09:00 is 31-38 % of a French day (8 of 23 hours on the spring change, 10 of 25 in
    # autumn).
    assert share.notna().all() and share.between(0.3, 0.4).all(), share.describe()


def test_a_weather_forecast_is_the_latest_issued_by_the_issue_time(tmp_path: Path) -> None:
    header = "issued_at;" + ";".join(c for c in TEMPERATURE_HEADER.split(";") if c != "Région")

    def rows(issued: str, day: str, mean: float) -> list[str]:
        return [f"{issued};{day};{code};{mean - 4};{mean + 4};{mean}" for code in sorted(REGIONS)]

    lines = [
        *rows("2021-01-10T18:00:00+01:00", "2021-01-12", 1.0),
        *rows("2021-01-11T06:00:00+01:00", "2021-01-12", 2.0),
        *rows("2021-01-11T12:00:00+01:00", "2021-01-12", 9.0),
    ]
    path = tmp_path / "forecast.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    nine = pd.Timestamp("2021-01-11 09:00", tz="Europe/Paris").tz_convert("UTC")
    forecast = forecast_as_issued(path, nine)
    assert len(forecast) == len(REGIONS) and (forecast["mean"] == 2.0).all()
    with pytest.raises(InputError, match="no forecast issued by 2021-01-10 09:00"):
        forecast_as_issued(path, nine - pd.Timedelta(days=1))
    naive = [*lines[:3], "2021-01-11T06:00:00;2021-01-12;11;1;2;3"]
    path.write_text("\n".join([header, *naive]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 5, column 'issued_at'.*with its UTC offset"):
        forecast_as_issued(path, nine)


def test_a_national_weather_forecast_stands_for_every_region(tmp_path: Path) -> None:
    """Without the region column the values are national: the regions' means are them."""
    header = "issued_at;Date;TMin (°C);TMax (°C);TMoy (°C)"
    lines = [
        "2021-01-11T06:00:00+01:00;2021-01-12;-1.5;6.5;2.5",
        "2021-01-11T06:00:00+01:00;2021-01-13;0.5;8.5;4.5",
        "2021-01-11T12:00:00+01:00;2021-01-13;9.0;19.0;14.0",
    ]
    path = tmp_path / "national.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    nine = pd.Timestamp("2021-01-11 09:00", tz="Europe/Paris").tz_convert("UTC")
    forecast = forecast_as_issued(path, nine)
    assert len(forecast) == 2 * len(REGIONS)
    national = national_temperatures(forecast, 2019, max_gap_days=0)
    assert national["wavg_mean_temperature"].round(9).tolist() == [2.5, 4.5]
    assert national["avg_min_temperature"].round(9).tolist() == [-1.5, 0.5]
    bad = [*lines[:2], "2021-01-11T06:00:00+01:00;2021-01-14;1;2;warm"]
    path.write_text("\n".join([header, *bad]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 4, column 'TMoy \(°C\)'"):
        forecast_as_issued(path, nine)


def test_the_issue_instant_is_paris_wall_clock_on_clock_change_days() -> None:
    from energy_forecast.issuing import Issue

    def instant(day: str, issue_time: str | None) -> str:
        return Issue(pd.Timestamp(day), 1, issue_time).instant.isoformat()

    assert instant("2021-03-29", "09:00") == "2021-03-28T07:00:00+00:00"  # summer time
    assert instant("2021-03-28", "09:00") == "2021-03-27T08:00:00+00:00"
    assert instant("2021-03-29", "02:30") == "2021-03-28T01:00:00+00:00"  # skipped: 03:00
    assert instant("2021-11-01", "02:30") == "2021-10-31T00:30:00+00:00"  # repeated: the first
    assert instant("2021-03-29", None) == "2021-03-28T22:00:00+00:00"  # the day's end


def test_a_day_exported_twice_with_other_values_is_refused_by_name_under_every_rule(
    tmp_path: Path,
) -> None:
    ninth = consumption_rows("2021-01-09", [50000] * 48)
    tenth = consumption_rows("2021-01-10", [52000] * 48)
    # The 10th again, 10 % higher, placed first: "first" would keep the wrong copy unnoticed.
    again = consumption_rows("2021-01-10", [57200] * 48)
    path = write(tmp_path / "c.csv", HEADER, [*ninth, *tenth, *again])
    for rule in ("refile", "first", "error"):
        with pytest.raises(InputError) as err:
            read_consumption(path, QualityRules(conflicting_duplicates=rule))
        message = str(err.value)
        assert "2021-01-10 has 48 half-hours given twice with different values" in message
        assert "lines 2-97" in message and "expected one copy of each day" in message
