"""Day-ahead backtest on the real exports: 2019, 2020 and 2021, each from data before it.

For each year: the pipeline's search (every family's default grid, expanding-window CV)
runs on the three years before it, and `select` selects a family as it does (by default by the
served model's day-ahead MAPE on the last of those years, held out); the backtest
then refits it every 30 days on the three years before each origin and forecasts each day
of the year, side by side in the same run, as issued:
- at the end of D-1 (issue time null: the whole of D-1 known), the static model beside it;
- at 09:00 on D-1 (the default: D-1 known to 09:00, the whole of D-2);
- at the end of D-2 (horizon 2);
- at 09:00 on D-1 with weather forecasts (`backtest.weather: forecast`: each day asked alone,
  its forecast days' temperatures as forecast by its issue time), from an archive made of the
  observed temperatures and the generator's forecast-error model (`weather_archive`), at two
  sizes of the day-ahead error of the national temperature, 0.5 and 1.0 °C, with the share of
  days inside the bands;
and the article's KNN. Every other figure uses the observed temperatures of the target day:
an upper bound on what a forecaster with a weather forecast scores. Also times the backtest
over the three years, as the stage runs it. Writes benchmarks/backtest_2020.png (the 2020 daily
error, static against adaptive).

Then the bands: per year, the share of days inside each band and the 80 % band's
mean width, beside a naive band made of the training residuals' quantiles (the served model's
in-sample log errors at each origin) around the same forecasts, in the same run.

Run: .venv/bin/python benchmarks/backtest.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _workspace import ROOT, SHARED

from energy_forecast import backtesting
from energy_forecast.core.intervals import level_name
from energy_forecast.data.daily import daily_table
from energy_forecast.data.forecast_export import read_temperature_forecasts
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.modeling.training import (
    Configuration,
    best_configuration,
    configurations,
    dayahead_report,
    refit,
    search,
    selected_family,
)
from energy_forecast.runtime.settings import Settings, parse
from energy_forecast.synthetic.generator import (
    FORECAST_LEAD_SD,
    FORECAST_REGIONAL_SD,
    forecast_archive,
)

YEARS = (2019, 2020, 2021)
# Issued at 09:00 on D-1, observed weather: the goal in every year.
GOAL = 1.15
LEVELS = [0.8, 0.95]
# Standard deviations (°C) of the day-ahead (lead 1) error of a day's national temperature.
WEATHER_ERRORS = (0.5, 1.0)
# (horizon_days, issue_time) of each way of issuing, in the table's order.
ISSUED = {"end of D-1": (1, None), "09:00 on D-1": (1, "09:00"), "end of D-2": (2, None)}


def settings_for(year: int, horizon: int = 1, issue_time: str | None = "09:00") -> Settings:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    raw["forecast"] = {"horizon_days": horizon, "issue_time": issue_time}
    raw["backtest"] = {
        "start": f"{year}-01-01",
        "end": f"{year}-12-31",
        "refit_days": 30,
        "train_days": 1095,
    }
    return parse(raw)


def selected_before(daily: pd.DataFrame, settings: Settings, year: int) -> Configuration:
    """The family's configuration the pipeline selects from the three years before `year`:
    each family's best configuration by CV, then the family as `select` selects it among the
    families (`benchmarks/aggregation.py` sets the aggregate of experts beside it)."""
    best, reports = best_before(daily, settings, year)
    return best[selected_family(families_only(settings), reports)]


def families_only(settings: Settings) -> Settings:
    """`settings` without the aggregate of experts: `select` chooses among the families."""
    aggregate = settings.aggregate.model_copy(update={"experts": []})
    return settings.model_copy(update={"aggregate": aggregate})


def training_years(daily: pd.DataFrame, year: int) -> pd.DataFrame:
    """The days of the three years before `year`: what each benchmark year is chosen on."""
    dates = pd.to_datetime(daily["date"])
    return daily[(dates >= f"{year - 3}-01-01") & (dates < f"{year}-01-01")].reset_index(drop=True)


def best_before(
    daily: pd.DataFrame, settings: Settings, year: int
) -> tuple[dict[str, Configuration], dict[str, dict]]:
    """Each family's best configuration by CV on the three years before `year`, and the
    reports `select` chooses a family by."""
    train = training_years(daily, year)
    metric = settings.select.metric
    reports = {}
    best = {}
    for name in settings.families:
        found = best_configuration(search(configurations(settings, name), train, settings), metric)
        best[name] = found.configuration
        cv = {k.removeprefix("cv_"): v for k, v in found.metrics.items()}
        served, _, _ = refit(found.configuration, train, settings, None)
        reports[name] = {"cv": cv, "dayahead": dayahead_report(served)}
    return best, reports


def naive_band_scores(
    daily: pd.DataFrame, settings: Settings, selected: Configuration, table: pd.DataFrame
) -> dict[str, float]:
    """The bands a forecaster gets from the training residuals: at each origin, quantiles of the
    served model's in-sample log errors, around the backtest's forecasts."""
    parts = []
    for window in backtesting.windows(daily, settings):
        model, inputs, _ = refit(selected, window.train, settings, None)
        actual = window.train["consumption_mwh"].to_numpy()
        residuals = np.log(actual) - np.log(model.predict(inputs))
        days = table[table["origin"] == window.origin.strftime("%Y-%m-%d")]
        out = days[["actual"]].copy()
        for level in LEVELS:
            low, high = np.quantile(residuals, [(1 - level) / 2, (1 + level) / 2])
            out[f"lower_{level_name(level)}"] = days["adaptive"] * np.exp(low)
            out[f"upper_{level_name(level)}"] = days["adaptive"] * np.exp(high)
        parts.append(out.assign(pinball=np.nan))
    return backtesting.band_scores(pd.concat(parts), LEVELS)


def weather_archive(regional: pd.DataFrame, sd: float) -> pd.DataFrame:
    """Weather forecasts of every day as the generator issues them (06:00 on the day and the
    two days before), from the observed temperatures, every lead's error scaled so that the
    day-ahead one has standard deviation `sd`; as `read_temperature_forecasts` reads them."""
    # Days a region's export misses are forecast too: from its observations interpolated in time.
    days = pd.date_range(regional["date"].min(), regional["date"].max(), name="date")
    wide = regional.pivot(index="date", columns="region").reindex(days).interpolate()
    regional = wide.stack("region", future_stack=True).reset_index()
    scale = sd / FORECAST_LEAD_SD[1]
    lead_sd = tuple(s * scale for s in FORECAST_LEAD_SD)
    table = forecast_archive(
        regional, seed=0, lead_sd=lead_sd, regional_sd=FORECAST_REGIONAL_SD * scale
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.csv"
        table.to_csv(path, sep=";", index=False)
        return read_temperature_forecasts(path)


def figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = pd.to_datetime(table["date"])
    fig, ax = plt.subplots(figsize=(11, 4))
    for name, color in (("static", "tab:orange"), ("adaptive", "tab:blue")):
        error = (table[name] - table["actual"]) / table["actual"] * 100
        ax.plot(dates, error, label=f"{name} ({error.abs().mean():.2f} % MAPE)", color=color)
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.set_ylabel("daily error (%)")
    ax.set_title("2020, day-ahead: static model against the same model adapting")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def real_exports() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The daily table of the real 2016-2021 exports, as the pipeline makes it, and the
    regional temperatures; exits when ../shared is absent."""
    consumption = SHARED / "consommation-quotidienne-brute_2012-2021.csv"
    temperature = SHARED / "temperature-quotidienne-regionale_2016-2021_ddmmyy.csv"
    if not consumption.exists():
        sys.exit("the real RTE exports in ../shared/data/odre are absent")
    base = settings_for(YEARS[0])
    daily, _, _ = daily_table(
        consumption,
        temperature,
        pd.Timestamp("2016-01-01"),
        None,
        base.features.population_year,
        base.data.quality,
        base.forecast.issue_time,
    )
    return daily, read_temperature(temperature)


def year_scores(
    daily: pd.DataFrame,
    archives: dict[float, pd.DataFrame],
    article: Configuration,
    year: int,
) -> tuple[Configuration, dict, pd.DataFrame]:
    """The configuration selected before `year`, its MAPE over the year as issued each way and
    with each archive of weather forecasts (with the share of days inside its bands), and its
    backtest issued at 09:00 on D-1."""
    settings = settings_for(year)
    selected = selected_before(daily, settings, year)
    print(f"{year}  {selected.name}", flush=True)
    mape: dict = {}
    for issued, (horizon, issue_time) in ISSUED.items():
        table = backtesting.rolling_forecasts(
            daily, settings_for(year, horizon, issue_time), selected, article
        )
        scores = backtesting.summary(table, LEVELS)
        mape[issued] = scores["adaptive"][str(year)]["mape"]
        if issue_time is None and horizon == 1:
            mape["static"] = scores["static"][str(year)]["mape"]
            mape["article"] = scores["article"][str(year)]["mape"]
        if issue_time == "09:00":
            default = table
    for sd, forecasts in archives.items():
        forecast_weather = settings.model_copy(
            update={"backtest": settings.backtest.model_copy(update={"weather": "forecast"})}
        )
        table = backtesting.rolling_forecasts(
            daily, forecast_weather, selected, article, weather_forecasts=forecasts
        )
        mape[sd] = backtesting.summary(table, LEVELS)["adaptive"][str(year)]["mape"]
        covered = backtesting.band_scores(table, LEVELS)
        mape[f"{sd} bands"] = (covered["coverage_80"], covered["coverage_95"])
    return selected, mape, default


def print_tables(rows: list[tuple[int, dict]], bands: dict[int, tuple[dict, dict]]) -> None:
    """The figures as the benchmarks page shows them: MAPE, bands with weather forecasts, and
    bands with observed weather beside the naive ones."""
    print()
    errors = " | ".join(f"09:00, weather forecast of {sd} °C error" for sd in WEATHER_ERRORS)
    print(f"| year | static | {' | '.join(ISSUED)} | goal (09:00) | {errors} | article's KNN |")
    print("|---|" + "---:|" * (3 + len(ISSUED) + len(WEATHER_ERRORS)))
    for year, mape in rows:
        cells = [mape["static"], *(mape[k] for k in ISSUED), GOAL]
        cells += [*(mape[sd] for sd in WEATHER_ERRORS), mape["article"]]
        print(f"| {year} | " + " | ".join(f"{c:.2f} %" for c in cells) + " |")

    print()
    print("With weather forecasts, the share of days inside the 80 % and 95 % bands:")
    print(
        "| year | " + " | ".join(f"{sd} °C: 80 % | {sd} °C: 95 %" for sd in WEATHER_ERRORS) + " |"
    )
    print("|---|" + "---:|" * (2 * len(WEATHER_ERRORS)))
    for year, mape in rows:
        cells = [c for sd in WEATHER_ERRORS for c in mape[f"{sd} bands"]]
        print(f"| {year} | " + " | ".join(f"{c:.1f} %" for c in cells) + " |")

    print()
    print("Bands, issued at 09:00 on D-1, observed weather:")
    print(
        "| year | 80 % band: days inside | 95 %: days inside | 80 % width (MWh) "
        "| naive 80 %: inside | naive width | pinball (MWh) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for year, (ours, naive) in bands.items():
        print(
            f"| {year} | {ours['coverage_80']:.1f} % | {ours['coverage_95']:.1f} % | "
            f"{ours['width_80']:,.0f} | {naive['coverage_80']:.1f} % | {naive['width_80']:,.0f} | "
            f"{ours['pinball']:,.0f} |"
        )


def time_three_years(daily: pd.DataFrame, selected: Configuration, article: Configuration) -> None:
    """The backtest of 2019-2021 as the stage runs it, timed."""
    settings = settings_for(YEARS[0])
    three_years = settings.model_copy(
        update={
            "backtest": settings.backtest.model_copy(
                update={"end": pd.Timestamp("2021-12-31").date()}
            )
        }
    )
    start = time.perf_counter()
    backtesting.rolling_forecasts(daily, three_years, selected, article)
    print(
        f"\nbacktest of 2019-2021 issued at 09:00 ({selected.name}): "
        f"{time.perf_counter() - start:.1f} s"
    )


def main() -> None:
    daily, regional = real_exports()
    article = backtesting.article_configuration(settings_for(YEARS[0]))
    archives = {sd: weather_archive(regional, sd) for sd in WEATHER_ERRORS}
    print("year  selected configuration (CV on the 3 years before)")
    rows = []
    bands = {}
    for year in YEARS:
        selected, mape, default = year_scores(daily, archives, article, year)
        rows.append((year, mape))
        bands[year] = (
            backtesting.band_scores(default, LEVELS),
            naive_band_scores(daily, settings_for(year), selected, default),
        )
        if year == 2020:
            figure(default, Path(__file__).with_name("backtest_2020.png"))
    print_tables(rows, bands)
    time_three_years(daily, selected, article)


if __name__ == "__main__":
    main()
