"""Day-ahead backtest on the real exports: 2019, 2020 and 2021, each from data before it.

For each year: the pipeline's search (every family's default grid, expanding-window CV)
runs on the three years before it, and `select` promotes a family as it does (by default by the
served model's day-ahead MAPE on the last of those years, held out); the backtest
then refits it every 30 days on the three years before each origin and forecasts each day
of the year day-ahead (horizon 1), beside the static model and the article's KNN in the same
run, and at horizon 2. Also times the backtest over the three years, as the stage runs it.
Writes benchmarks/backtest_2020.png (the 2020 daily error, static against adaptive).

Then the bands: per year, the share of days inside each band and the 80 % band's
mean width, beside a naive band made of the training residuals' quantiles (the served model's
in-sample log errors at each origin) around the same forecasts, in the same run.

Run: .venv/bin/python benchmarks/backtest.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _workspace import ROOT, SHARED

from energy_forecast import backtesting
from energy_forecast.core.intervals import level_name
from energy_forecast.data.daily import daily_table
from energy_forecast.modeling.training import (
    Configuration,
    best_configuration,
    configurations,
    dayahead_report,
    promoted_family,
    refit,
    search,
)
from energy_forecast.settings import Settings, parse

YEARS = (2019, 2020, 2021)
GOALS = {2019: 1.15, 2020: 1.2, 2021: 1.2}
LEVELS = [0.8, 0.95]


def settings_for(year: int, horizon: int) -> Settings:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    raw["forecast"] = {"horizon_days": horizon}
    raw["backtest"] = {
        "start": f"{year}-01-01",
        "end": f"{year}-12-31",
        "refit_days": 30,
        "train_days": 1095,
    }
    return parse(raw)


def promoted_before(daily: pd.DataFrame, settings: Settings, year: int) -> Configuration:
    """The configuration the pipeline promotes from the three years before `year`: each
    family's best configuration by CV, then the family as `select` promotes it."""
    dates = pd.to_datetime(daily["date"])
    train = daily[(dates >= f"{year - 3}-01-01") & (dates < f"{year}-01-01")]
    train = train.reset_index(drop=True)
    metric = settings.select.metric
    reports = {}
    best = {}
    for name in settings.families:
        found = best_configuration(search(configurations(settings, name), train, settings), metric)
        best[name] = found.configuration
        cv = {k.removeprefix("cv_"): v for k, v in found.metrics.items()}
        served, _, _ = refit(found.configuration, train, settings)
        reports[name] = {"cv": cv, "dayahead": dayahead_report(served)}
    return best[promoted_family(settings, reports)]


def naive_band_scores(
    daily: pd.DataFrame, settings: Settings, promoted: Configuration, table: pd.DataFrame
) -> dict[str, float]:
    """The bands a forecaster gets from the training residuals: at each origin, quantiles of the
    served model's in-sample log errors, around the backtest's forecasts."""
    parts = []
    for window in backtesting.windows(daily, settings):
        model, inputs, _ = refit(promoted, window.train, settings)
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


def main() -> None:
    consumption = SHARED / "consommation-quotidienne-brute_2012-2021.csv"
    temperature = SHARED / "temperature-quotidienne-regionale_2016-2021_ddmmyy.csv"
    if not consumption.exists():
        sys.exit("the real RTE exports in ../shared/data/odre are absent")
    base = settings_for(YEARS[0], 1)
    daily, _ = daily_table(
        consumption,
        temperature,
        pd.Timestamp("2016-01-01"),
        None,
        base.features.population_year,
        base.computation,
        base.data.quality,
    )
    article = backtesting.article_configuration(base)
    print("year  promoted configuration (CV on the 3 years before)")
    rows = []
    bands = {}
    promoted = {}
    for year in YEARS:
        settings = settings_for(year, 1)
        promoted[year] = promoted_before(daily, settings, year)
        print(f"{year}  {promoted[year].name}", flush=True)
        table = backtesting.rolling_forecasts(daily, settings, promoted[year], article)
        two = backtesting.rolling_forecasts(daily, settings_for(year, 2), promoted[year], article)
        mape = backtesting.summary(table, LEVELS)
        rows.append(
            (
                year,
                mape["static"][str(year)]["mape"],
                mape["adaptive"][str(year)]["mape"],
                backtesting.summary(two, LEVELS)["adaptive"][str(year)]["mape"],
                mape["article"][str(year)]["mape"],
            )
        )
        bands[year] = (
            backtesting.band_scores(table, LEVELS),
            naive_band_scores(daily, settings, promoted[year], table),
        )
        if year == 2020:
            figure(table, Path(__file__).with_name("backtest_2020.png"))

    print()
    print("| year | static | adaptive, h=1 | goal | adaptive, h=2 | article's KNN |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for year, static, adaptive, two, knn in rows:
        print(
            f"| {year} | {static:.2f} % | {adaptive:.2f} % | {GOALS[year]:.2f} % | "
            f"{two:.2f} % | {knn:.2f} % |"
        )

    print()
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

    settings = settings_for(YEARS[0], 1)
    three_years = settings.model_copy(
        update={
            "backtest": settings.backtest.model_copy(
                update={"end": pd.Timestamp("2021-12-31").date()}
            )
        }
    )
    start = time.perf_counter()
    backtesting.rolling_forecasts(daily, three_years, promoted[YEARS[-1]], article)
    print(
        f"\nbacktest of 2019-2021 ({promoted[YEARS[-1]].name}): {time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
