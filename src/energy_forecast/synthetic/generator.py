"""A deterministic stand-in for the two RTE exports, calibrated on the real files.

`generate` writes files byte-compatible with the real exports (headers, BOM, `;`, CRLF,
newest-first half-hours with the clock-change quirks, 13 regions), so the offline default
exercises exactly the parser that real data goes through. `calibrate` fits the generating
constants on real exports and renders `synthetic/constants.py`; only those constants are
committed, never the data.
"""

from __future__ import annotations

import pprint
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_forecast.core.calendar import day_hours
from energy_forecast.core.inputs import PARIS
from energy_forecast.data import exports
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.data.forecast_export import forecast_file_rows
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.synthetic import load_curve

# Day-to-day noise of the generated load (relative). Residuals fitted on real data are larger
# because they hold slow structure the model leaves out (school holidays, the weather of
# previous days); the generator keeps the plain day-to-day part.
LOAD_NOISE_SD = 0.01
# The generated weather forecasts (`generate`'s `forecasts`): issued at 06:00 Paris each day for
# that day and the next two. Each misses a day's national temperature by a normal error whose
# standard deviation grows with the lead, shared by the regions and by the minimum, maximum
# and mean, plus a region's own part: an assumption of the size of a global model's day-ahead
# miss, not a fit.
FORECAST_ISSUE_HOUR = 6
FORECAST_LEAD_SD = (0.5, 0.7, 1.0)  # °C, at leads of 0, 1 and 2 days
FORECAST_REGIONAL_SD = 0.4


def _season_harmonics(dates: pd.DatetimeIndex) -> np.ndarray:
    angle = 2 * np.pi * (dates.day_of_year.to_numpy() - 1) / 365.25
    return np.column_stack(
        [np.ones(len(dates)), np.cos(angle), np.sin(angle), np.cos(2 * angle), np.sin(2 * angle)]
    )


def _profile_key(dates: pd.DatetimeIndex) -> np.ndarray:
    """0..3: (winter Oct-Mar, summer) x (working day, weekend or holiday)."""
    off = (dates.day_of_week >= 5) | (load_curve.design(dates)["holiday_name"] != "")
    summer = (dates.month >= 4) & (dates.month <= 9)
    return summer.astype(int) * 2 + off.astype(int)


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return round(float(value), 4)


def _temperature_constants(regional: pd.DataFrame, national: pd.DataFrame) -> dict[str, Any]:
    """The national season and AR(1) anomaly, and each region's offset, spread and range."""
    seasonal = np.linalg.lstsq(
        _season_harmonics(national.index), national["wavg_mean_temperature"].to_numpy(), rcond=None
    )[0]
    anomaly = (
        national["wavg_mean_temperature"].to_numpy() - _season_harmonics(national.index) @ seasonal
    )
    phi = float(np.corrcoef(anomaly[1:], anomaly[:-1])[0, 1])
    innovation = float(np.std(anomaly[1:] - phi * anomaly[:-1]))

    wide = regional.pivot(index="date", columns="region", values=["min", "max", "mean"])
    ref = national["wavg_mean_temperature"].reindex(wide.index)
    regions = {}
    spread = (wide["max"] - wide["min"]).mean(axis=1)
    spread_fit = np.linalg.lstsq(
        _season_harmonics(spread.index)[:, :3], spread.to_numpy(), rcond=None
    )[0]
    for code in sorted(REGIONS):
        gap = wide["mean"][code] - ref
        regions[code] = {
            "offset": round(float(gap.mean()), 3),
            "sd": round(float(gap.std()), 3),
            "range": round(float((wide["max"][code] - wide["min"][code]).mean()), 3),
        }
    return {
        "seasonal": [round(float(v), 4) for v in seasonal],
        "ar1": round(phi, 4),
        "innovation_sd": round(innovation, 4),
        "range_seasonal": [round(float(v), 4) for v in spread_fit[1:]],
        "regions": regions,
    }


def _gas_and_profiles(
    consumption: Path, days: pd.DataFrame, degrees: np.ndarray
) -> tuple[dict[str, float], list[list[float]]]:
    """Gas's heating line and share, and the half-hour shapes of whole 48-row days."""
    gas_total, natran = exports.CONSUMPTION_COLUMNS[7], exports.CONSUMPTION_COLUMNS[3]
    raw = pd.read_csv(
        consumption,
        sep=";",
        encoding="utf-8-sig",
        usecols=[
            exports.CONSUMPTION_DATE,
            exports.CONSUMPTION_TIME,
            exports.CONSUMPTION_MW,
            gas_total,
            natran,
        ],
    )
    raw["day"] = pd.to_datetime(raw[exports.CONSUMPTION_DATE], format="%d/%m/%Y")
    gas_days = raw.groupby("day")[[gas_total, natran]].mean().reindex(days.index)
    gas_fit = np.polyfit(degrees, gas_days[gas_total].to_numpy(), 1)
    gas = {
        "base_mw": round(float(gas_fit[1]), 1),
        "heating_mw_per_degree": round(float(gas_fit[0]), 1),
        "natran_share": round(float((gas_days[natran] / gas_days[gas_total]).mean()), 4),
    }
    # Each half-hour's MW over its day's mean.
    raw = raw[raw["day"].isin(days.index[day_hours(days.index) == 24])]
    raw["share"] = raw[exports.CONSUMPTION_MW] / raw.groupby("day")[
        exports.CONSUMPTION_MW
    ].transform("mean")
    raw["key"] = _profile_key(pd.DatetimeIndex(raw["day"]))
    profiles = raw.pivot_table(index="key", columns=exports.CONSUMPTION_TIME, values="share")
    return gas, [[round(float(v), 4) for v in profiles.loc[k]] for k in range(4)]


def calibrate(consumption: Path, temperature: Path, population_year: int = 2019) -> dict[str, Any]:
    """Fit every generating constant on a pair of real exports."""
    regional = read_temperature(temperature)
    national = national_temperatures(regional, population_year, source=str(temperature))
    days = read_consumption(consumption).table.join(national, how="inner")
    t = days["wavg_mean_temperature"].to_numpy()
    mw = days["consumption_mwh"].to_numpy() / day_hours(days.index)
    origin = float(np.round(days.index.year.to_numpy().mean()))
    load = load_curve.fit(days.index, mw, t, trend_origin_year=origin)
    gas, profiles = _gas_and_profiles(
        consumption, days, np.maximum(0.0, load["heating_threshold"] - t)
    )
    return {
        "load": {k: _rounded(v) for k, v in load.items() if k != "noise_sd"},
        "temperature": _temperature_constants(regional, national),
        "gas": gas,
        "profiles": profiles,
    }


def render(constants: dict[str, Any], sources: list[str]) -> str:
    names = ",\n".join(Path(s).name for s in sources)
    table = pprint.pformat(constants, width=96, compact=True, sort_dicts=True)
    return (
        '"""Generating constants of the synthetic exports.\n\n'
        f"Fitted by `energy-forecast calibrate` on:\n{names}.\n"
        'Do not edit by hand: run the calibration again.\n"""\n\n'
        "from typing import Any\n\n"
        f"CONSTANTS: dict[str, Any] = {table}\n"
    )


def _temperatures(days: pd.DatetimeIndex, c: dict[str, Any], rng: np.random.Generator):
    """Regional (min, max, mean) arrays of shape (days, regions) with national persistence."""
    n = len(days)
    shocks = rng.normal(0.0, c["innovation_sd"], n)
    anomaly = np.empty(n)
    anomaly[0] = shocks[0] / np.sqrt(1 - c["ar1"] ** 2)
    for i in range(1, n):
        anomaly[i] = c["ar1"] * anomaly[i - 1] + shocks[i]
    national = _season_harmonics(days) @ np.asarray(c["seasonal"]) + anomaly
    regions = [c["regions"][code] for code in sorted(REGIONS)]
    offset = np.array([r["offset"] for r in regions])
    sd = np.array([r["sd"] for r in regions])
    mean = national[:, None] + offset + rng.normal(0.0, 1.0, (n, len(regions))) * sd * 0.5
    season = _season_harmonics(days)[:, 1:3] @ np.asarray(c["range_seasonal"])
    spread = np.maximum(1.0, np.array([r["range"] for r in regions]) + season[:, None])
    return np.round(mean - spread / 2, 2), np.round(mean + spread / 2, 2), np.round(mean, 2)


def _write_temperature(path: Path, days: pd.DatetimeIndex, tmin, tmax, tmean) -> None:
    codes = sorted(REGIONS)
    iso = np.repeat(days.strftime("%Y-%m-%d").to_numpy(), len(codes))
    code = np.tile(np.array(codes), len(days))
    frame = pd.DataFrame(
        {
            "ID": pd.Series(iso) + "T00:00:00-" + pd.Series(code).astype(str),
            "Date": iso,
            "Code INSEE région": code,
            "Région": np.tile(np.array([REGIONS[r].name for r in codes]), len(days)),
            "TMin (°C)": tmin.ravel(),
            "TMax (°C)": tmax.ravel(),
            "TMoy (°C)": tmean.ravel(),
        }
    )
    frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")


def forecast_archive(
    regional: pd.DataFrame,
    seed: int,
    lead_sd: tuple[float, ...] = FORECAST_LEAD_SD,
    regional_sd: float = FORECAST_REGIONAL_SD,
) -> pd.DataFrame:
    """A forecast file's table (docs/forecasting.md) of the days of `regional` (rows of
    `read_temperature`, every region each day): each day forecast at 06:00 Paris on
    the day and the days before, `lead_sd[lead]` °C the standard deviation of the national error
    at each lead, shared by the regions and by TMin, TMax and TMoy, plus `regional_sd` of a
    region's own."""
    rng = np.random.default_rng([seed, 1])
    codes = sorted(REGIONS)
    days = pd.DatetimeIndex(sorted(regional["date"].unique()))
    wide = {
        stat: regional.pivot(index="date", columns="region", values=stat)
        .reindex(index=days, columns=codes)
        .to_numpy()
        for stat in exports.TEMPERATURE_VALUES.values()
    }
    frames = []
    for lead, sd in enumerate(lead_sd):
        targets = days[lead:]
        error = rng.normal(0.0, sd, (len(targets), 1))
        error = error + rng.normal(0.0, regional_sd, (len(targets), len(codes)))
        issued = (targets - pd.Timedelta(days=lead, hours=-FORECAST_ISSUE_HOUR)).tz_localize(PARIS)
        values = {
            stat: (wide[stat][lead:] + error).ravel()
            for stat in exports.TEMPERATURE_VALUES.values()
        }
        frames.append(
            forecast_file_rows(
                issued.repeat(len(codes)),
                targets.repeat(len(codes)),
                np.tile(codes, len(targets)),
                values,
            )
        )
    order = [exports.FORECAST_ISSUED, exports.TEMPERATURE_DATE]
    return pd.concat(frames).sort_values(order, kind="stable").reset_index(drop=True)


def _half_hours(days: pd.DatetimeIndex) -> pd.DataFrame:
    """The export's rows for `days`: real half-hours, less two in autumn, plus two in spring.

    `wall` is the row's Paris wall-clock time as written; `slot` the time whose value it
    carries (they differ only on the spring rows that repeat 03:00 and 03:30).
    """
    first = days[0].tz_localize(PARIS)
    last = (days[-1] + pd.Timedelta(days=1)).tz_localize(PARIS)
    instants = pd.date_range(first, last, freq="30min", inclusive="left")
    utc = instants.tz_convert("UTC").tz_localize(None)
    local = instants.tz_localize(None)
    rows = pd.DataFrame({"utc": utc, "wall": local, "slot": local, "real": True})
    # Autumn: the export drops the first pass through 02:00 and 02:30 (summer time).
    summer_time = (local - utc) == pd.Timedelta(hours=2)
    repeated = local.duplicated(keep=False)
    rows = rows[~(repeated & summer_time & (local.hour == 2))]
    # Spring: the export adds 02:00 and 02:30 rows that repeat 03:00 and 03:30.
    spring = days[day_hours(days) == 23]
    extra = rows[rows["wall"].dt.normalize().isin(spring) & (rows["wall"].dt.hour == 3)].copy()
    extra["wall"] = extra["wall"] - pd.Timedelta(hours=1)
    extra["real"] = False
    return pd.concat([rows, extra], ignore_index=True)


def _iso(values: pd.Series, unit: str) -> pd.Series:
    return pd.Series(np.datetime_as_string(values.to_numpy().astype(f"datetime64[{unit}]")))


def _write_consumption(
    path: Path,
    days: pd.DatetimeIndex,
    day_mw: np.ndarray,
    gas_mw: np.ndarray,
    natran_share: float,
    profiles: np.ndarray,
) -> None:
    rows = _half_hours(days).sort_values(["utc", "wall"], ascending=False, ignore_index=True)
    index = days.get_indexer(rows["slot"].dt.normalize())
    slot = (rows["slot"].dt.hour * 2 + rows["slot"].dt.minute // 30).to_numpy()
    shape = profiles[_profile_key(days)[index], slot]
    # Scale each day's shape so the half-hours the parser keeps average to the day's MW.
    kept = pd.DataFrame({"i": index, "shape": shape})[rows["real"].to_numpy()]
    norm = kept.groupby("i")["shape"].mean().to_numpy()
    mw = np.round(day_mw[index] * shape / norm[index]).astype(np.int64)
    on_hour = (rows["wall"].dt.minute == 0).to_numpy()
    gas = np.round(gas_mw[index]).astype(np.int64)
    natran = np.round(gas * natran_share).astype(np.int64)
    status = np.where(on_hour, "Définitif", "")

    def hourly(values: np.ndarray) -> np.ndarray:
        return np.where(on_hour, values.astype(str), "")

    wall = _iso(rows["wall"], "m")
    frame = pd.DataFrame(
        {
            exports.CONSUMPTION_COLUMNS[0]: _iso(rows["utc"], "s") + "+00:00",
            exports.CONSUMPTION_COLUMNS[1]: wall.str[8:10]
            + "/"
            + wall.str[5:7]
            + "/"
            + wall.str[:4],
            exports.CONSUMPTION_COLUMNS[2]: wall.str[11:16],
            exports.CONSUMPTION_COLUMNS[3]: hourly(natran),
            exports.CONSUMPTION_COLUMNS[4]: status,
            exports.CONSUMPTION_COLUMNS[5]: hourly(gas - natran),
            exports.CONSUMPTION_COLUMNS[6]: status,
            exports.CONSUMPTION_COLUMNS[7]: hourly(gas),
            exports.CONSUMPTION_COLUMNS[8]: mw,
            exports.CONSUMPTION_COLUMNS[9]: "Définitif",
            exports.CONSUMPTION_COLUMNS[10]: hourly(gas + mw),
            exports.CONSUMPTION_COLUMNS[11]: "non",
        }
    )
    frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")


def generate(
    consumption: Path,
    temperature: Path,
    start: pd.Timestamp,
    end: pd.Timestamp,
    seed: int,
    population_year: int = 2019,
    constants: dict[str, Any] | None = None,
    forecasts: Path | None = None,
) -> None:
    """Write a consumption and a temperature export for the Paris days start..end, and with
    `forecasts` the weather forecasts of those days as issued each morning."""
    if constants is None:
        from energy_forecast.synthetic.constants import CONSTANTS

        constants = CONSTANTS
    days = pd.date_range(start, end, freq="D")
    rng = np.random.default_rng(seed)
    tmin, tmax, tmean = _temperatures(days, constants["temperature"], rng)
    regional = pd.DataFrame(
        {
            "date": np.repeat(days, len(REGIONS)),
            "region": np.tile(sorted(REGIONS), len(days)),
            "min": tmin.ravel(),
            "max": tmax.ravel(),
            "mean": tmean.ravel(),
        }
    )
    wavg = national_temperatures(regional, population_year)["wavg_mean_temperature"].to_numpy()
    load = constants["load"]
    noise = rng.normal(0.0, LOAD_NOISE_SD, len(days))
    day_mw = load_curve.daily_mw(days, wavg, load) * (1 + noise)
    gas = constants["gas"]
    gas_mw = gas["base_mw"] + gas["heating_mw_per_degree"] * np.maximum(
        0.0, load["heating_threshold"] - wavg
    )
    _write_temperature(temperature, days, tmin, tmax, tmean)
    if forecasts is not None:
        forecast_archive(regional, seed).to_csv(forecasts, sep=exports.SEPARATOR, index=False)
    _write_consumption(
        consumption, days, day_mw, gas_mw, gas["natran_share"], np.asarray(constants["profiles"])
    )
