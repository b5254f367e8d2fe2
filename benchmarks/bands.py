"""Bands with weather forecasts: the share of days inside the 80 % and 95 % bands in 2019, 2020
and 2021, forecast at 09:00 on D-1 with weather forecasts, the bands calibrated on errors made
with observed temperatures (`intervals.weather: observed`, the baseline) and with the
weather-forecast error model (`intervals.weather: simulated`), in the same run.

The configuration of each year is the one the pipeline selects from the three years before it
(`backtest.selected_before`); the backtest refits it every 30 days on the three years before
each origin (`backtest.weather: forecast`: each day asked alone, the temperatures of D-1 and D
as forecast by 09:00 on D-1). No archive of real forecasts covers 2019-2021 here: the weather
forecasts come from the observed temperatures and the synthetic generator's error model
(`backtest.weather_archive`), at a day-ahead error of the national temperature of 0.5 and
1.0 °C; the simulated calibration is told that error (`intervals.weather_error`).

Run: .venv/bin/python benchmarks/bands.py
"""

from __future__ import annotations

import time

from backtest import (
    LEVELS,
    WEATHER_ERRORS,
    YEARS,
    real_exports,
    selected_before,
    settings_for,
    weather_archive,
)

from energy_forecast import backtesting
from energy_forecast.runtime.settings import Settings

CALIBRATIONS = ("observed", "simulated")


def calibrated(settings: Settings, weather: str, error: float) -> Settings:
    """`settings` backtesting with weather forecasts, its bands calibrated on `weather`."""
    return settings.model_copy(
        update={
            "backtest": settings.backtest.model_copy(update={"weather": "forecast"}),
            "intervals": settings.intervals.model_copy(
                update={"weather": weather, "weather_error": error}
            ),
        }
    )


def main() -> None:
    daily, regional = real_exports()
    article = backtesting.article_configuration(settings_for(YEARS[0]))
    archives = {sd: weather_archive(regional, sd) for sd in WEATHER_ERRORS}
    start = time.perf_counter()
    coverage = {}
    for year in YEARS:
        settings = settings_for(year)
        selected = selected_before(daily, settings, year)
        print(f"{year}  {selected.name}", flush=True)
        for sd, forecasts in archives.items():
            for weather in CALIBRATIONS:
                table = backtesting.rolling_forecasts(
                    daily,
                    calibrated(settings, weather, sd),
                    selected,
                    article,
                    weather_forecasts=forecasts,
                )
                scores = backtesting.band_scores(table, LEVELS)
                coverage[year, sd, weather] = (scores["coverage_80"], scores["coverage_95"])
                mape = backtesting.summary(table, LEVELS)["adaptive"][str(year)]["mape"]
                inside = f"{scores['coverage_80']:.1f} % / {scores['coverage_95']:.1f} %"
                print(
                    f"  {sd} °C, calibrated on {weather}: inside 80 % / 95 % {inside}, "
                    f"80 % width {scores['width_80']:,.0f} MWh, MAPE {mape:.2f} %",
                    flush=True,
                )
    print()
    print("Days inside the bands, issued at 09:00 on D-1 with weather forecasts (80 % | 95 %):")
    header = " | ".join(
        f"{sd} °C, {w}: {level}" for sd in WEATHER_ERRORS for w in CALIBRATIONS for level in LEVELS
    )
    print(f"| year | {header} |")
    print("|---|" + "---:|" * (len(WEATHER_ERRORS) * len(CALIBRATIONS) * len(LEVELS)))
    for year in YEARS:
        cells = [
            "{:.1f} | {:.1f}".format(*coverage[year, sd, w])
            for sd in WEATHER_ERRORS
            for w in CALIBRATIONS
        ]
        print(f"| {year} | " + " | ".join(cells) + " |")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
