"""The generator: real formats, determinism, and constants a fit recovers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energy_forecast.core.calendar import day_hours
from energy_forecast.data import exports
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.synthetic import load_curve
from energy_forecast.synthetic.constants import CONSTANTS
from energy_forecast.synthetic.generator import generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("synthetic")
    paths = folder / "c.csv", folder / "t.csv"
    generate(*paths, pd.Timestamp("2014-01-01"), pd.Timestamp("2018-12-31"), seed=42)
    return paths


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, generated) -> None:
    again = tmp_path / "c.csv", tmp_path / "t.csv"
    generate(*again, pd.Timestamp("2014-01-01"), pd.Timestamp("2018-12-31"), seed=42)
    assert again[0].read_bytes() == generated[0].read_bytes()
    assert again[1].read_bytes() == generated[1].read_bytes()
    other = tmp_path / "c2.csv", tmp_path / "t2.csv"
    generate(*other, pd.Timestamp("2014-01-01"), pd.Timestamp("2018-12-31"), seed=7)
    assert other[0].read_bytes() != generated[0].read_bytes()


def test_files_have_the_real_export_layout(generated) -> None:
    consumption, temperature = generated
    raw = consumption.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + ";".join(exports.CONSUMPTION_COLUMNS).encode())
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert lines[1].startswith(b"2018-12-31T22:30:00+00:00;31/12/2018;23:30;")
    assert lines[-2].startswith(b"2013-12-31T23:00:00+00:00;01/01/2014;00:00;")
    frame = pd.read_csv(consumption, sep=";", encoding="utf-8-sig")
    assert (frame.groupby("Date").size() == 48).all()
    spring = frame[frame["Date"] == "25/03/2018"].set_index("Heure")[exports.CONSUMPTION_MW]
    assert spring["02:00"] == spring["03:00"] and spring["02:30"] == spring["03:30"]
    header = temperature.read_bytes().split(b"\r\n")[0]
    assert header == b"\xef\xbb\xbf" + ";".join(exports.TEMPERATURE_COLUMNS).encode()
    assert read_temperature(temperature)["region"].nunique() == 13


def test_behaves_like_france(generated) -> None:
    consumption, temperature = generated
    table = read_consumption(consumption).table
    twh = table["consumption_mwh"].groupby(table.index.year).sum() / 1e6
    assert ((twh > 450) & (twh < 500)).all() and 465 < twh.mean() < 490
    wavg = national_temperatures(read_temperature(temperature), 2019)["wavg_mean_temperature"]
    by_month = wavg.groupby(wavg.index.month).mean()
    assert by_month[1] < 7 and by_month[7] > 19
    assert wavg.autocorr(1) > 0.8


def test_a_fit_recovers_the_generating_constants(generated) -> None:
    consumption, temperature = generated
    days = read_consumption(consumption).table.join(
        national_temperatures(read_temperature(temperature), 2019), how="inner"
    )
    mw = days["consumption_mwh"].to_numpy() / day_hours(days.index)
    fitted = load_curve.fit(
        days.index,
        mw,
        days["wavg_mean_temperature"].to_numpy(),
        CONSTANTS["load"]["trend_origin_year"],
    )
    truth = CONSTANTS["load"]
    for name in ("heating_mw_per_degree", "cooling_mw_per_degree", "base_mw"):
        assert fitted[name] == pytest.approx(truth[name], rel=0.10), name
    for day in load_curve.WEEKDAYS:
        assert fitted["weekday_level"][day] == pytest.approx(truth["weekday_level"][day], rel=0.01)
    assert fitted["noise_sd"] == pytest.approx(0.01, rel=0.3)
    assert np.isclose(fitted["heating_threshold"], truth["heating_threshold"], atol=1.0)
