"""The parsers on hand-made rows, on generated exports and on the real RTE files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energy_forecast import exports
from energy_forecast.errors import InputError
from energy_forecast.parsing import read_consumption, read_temperature
from energy_forecast.regions import REGIONS
from energy_forecast.synthetic import generate
from energy_forecast.temperature import national_temperatures

HEADER = ";".join(exports.CONSUMPTION_COLUMNS)


def consumption_rows(day: str, mw: list[int], offset_hours: int = 1) -> list[str]:
    """Export rows (oldest first) for an ordinary Paris day of len(mw) half-hours."""
    start = pd.Timestamp(day) - pd.Timedelta(hours=offset_hours)
    rows = []
    for i, value in enumerate(mw):
        instant = start + pd.Timedelta(minutes=30 * i)
        wall = pd.Timestamp(day) + pd.Timedelta(minutes=30 * i)
        rows.append(
            f"{instant:%Y-%m-%dT%H:%M:%S}+00:00;{wall:%d/%m/%Y};{wall:%H:%M};;;;;;"
            f"{value};Définitif;;non"
        )
    return rows


def write(path: Path, header: str, rows: list[str], bom: bool = True) -> Path:
    text = "\r\n".join([header, *reversed(rows)]) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


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


def _error(path: Path, parse=read_consumption) -> str:
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
    message = _error(write(tmp_path / "dup.csv", HEADER, dup))
    assert "different values" in message and "line" in message

    date = good.copy()
    date[3] = date[3].replace("10/01/2017", "2017-01-10")
    assert "dd/mm/yyyy" in _error(write(tmp_path / "date.csv", HEADER, date))


TEMPERATURE_HEADER = "Date;Code INSEE région;Région;TMin (°C);TMax (°C);TMoy (°C)"


def temperature_rows(days: list[str], skip: set[tuple[str, int]] = frozenset()) -> list[str]:
    return [
        f"{d};{code};{region.name};1.5;8.5;5.0"
        for d in days
        for code, region in REGIONS.items()
        if (d, code) not in skip
    ]


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


@pytest.mark.real_data
def test_real_consumption_matches_the_published_totals(real_files) -> None:
    consumption, _, ddmmyy = real_files
    days = read_consumption(consumption)
    readme = {
        2012: 486.61,
        2013: 492.19,
        2014: 462.35,
        2015: 473.15,
        2016: 480.32,
        2017: 479.04,
        2018: 475.52,
    }
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
    from energy_forecast.stages.featurize import daily_table

    consumption, temperature = tmp_path / "c.csv", tmp_path / "t.csv"
    generate(consumption, temperature, pd.Timestamp("2017-01-01"), pd.Timestamp("2017-01-31"), 1)
    with pytest.raises(
        InputError,
        match=r"no consumption between 2018-01-01 and 2018-02-01; "
        r"the file covers 2017-01-01 to 2017-01-31",
    ):
        daily_table(
            consumption,
            temperature,
            pd.Timestamp("2018-01-01"),
            pd.Timestamp("2018-02-01"),
            2019,
            {},
        )


def test_exports_from_before_2025_say_grtgaz(tmp_path: Path) -> None:
    old_header = HEADER.replace("NaTran", "GRTgaz")
    assert "GRTgaz" in old_header and "NaTran" not in old_header
    mw = [50000] * 48
    table = read_consumption(
        write(tmp_path / "c.csv", old_header, consumption_rows("2017-01-10", mw))
    ).table
    assert table["consumption_mwh"].tolist() == [sum(mw) * 0.5]
