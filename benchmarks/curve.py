"""The load curve of D beside RTE's J-1 curve, on RTE's own series.

For eCO2mix's annual exports (half-hourly), 2017 and 2018, and ENTSO-E's (hourly), 2021: the
family `select` selects from ODRÉ's years before (the same series as eCO2mix's; ENTSO-E's
starts in 2020), searched as `benchmarks/backtest.py` does (2017: on 2016 alone, the
temperatures' first year, its first CV fold 180 days); the backtest refits every 30 days on
every day before each origin and forecasts each day at 09:00 on D-1 with observed
temperatures (an upper bound); the curve is that daily forecast shaped by the profile fitted at
each origin (`backtesting.rolling_curves`, as `dvc repro` runs it). Printed: the MAPE of the
series' intervals and of its hours, ours and RTE's J-1 on the same intervals, the error of the
day's peak, and the daily MAPE of the curve's energy beside the daily model's.

Run: .venv/bin/python benchmarks/curve.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from _workspace import ROOT
from backtest import real_exports, selected_before, settings_for
from rte import joined_entsoe, series

from energy_forecast import backtesting
from energy_forecast.core.curve import step_minutes
from energy_forecast.modeling.metrics import percent_errors
from energy_forecast.runtime.settings import CvSettings, Settings

ECO2MIX = ROOT.parent / "shared" / "data" / "eco2mix"
# Goals: our hourly MAPE at most RTE's J-1's on the same hours; the curve's daily energy no
# worse than the daily model's.


def eco2mix(settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = [
        series(
            ECO2MIX / f"eCO2mix_RTE_Annuel-Definitif_{year}.{suffix}",
            settings,
            settings.forecast.issue_time,
            f"{year}-01-01",
        )
        for year, suffix in ((2016, "xls"), (2017, "xls"), (2018, "zip"))
    ]
    return tuple(pd.concat(p, ignore_index=True) for p in zip(*parts, strict=True))  # type: ignore[return-value]


def on_every_day_before(settings: Settings) -> Settings:
    backtest = settings.backtest.model_copy(update={"train_days": None})
    return settings.model_copy(update={"backtest": backtest})


def figures(daily: pd.DataFrame, curve: pd.DataFrame, settings: Settings, selected) -> dict:
    article = backtesting.article_configuration(settings)
    table = backtesting.rolling_forecasts(daily, settings, selected, article)
    step = step_minutes(curve)
    rows = backtesting.rolling_curves(table, daily, curve, step, settings)
    scores = backtesting.curve_scores(rows, table, step)
    daily_mape = float(percent_errors(table["adaptive"], table["actual"]).mean())
    return scores | {"daily_model": daily_mape, "selected": selected.name}


def main() -> None:
    odre, _ = real_exports()
    results = []
    for year in (2017, 2018):
        settings = on_every_day_before(settings_for(year))
        if year == 2017:
            settings = settings.model_copy(update={"cv": CvSettings(folds=3, min_train_days=180)})
        selected = selected_before(odre, settings, year)
        daily, curve = eco2mix(settings)
        results.append((f"eCO2mix {year}", figures(daily, curve, settings, selected)))
        print(results[-1], flush=True)
    settings = on_every_day_before(settings_for(2021))
    selected = selected_before(odre, settings, 2021)
    with tempfile.TemporaryDirectory() as folder:
        daily, curve = series(
            joined_entsoe(Path(folder)), settings, settings.forecast.issue_time, "2020-01-02"
        )
    results.append(("ENTSO-E 2021", figures(daily, curve, settings, selected)))
    print()
    print(
        "| series, year | selected family | half-hours: ours | RTE's J-1 | hours: ours | RTE's J-1 "
        "| ours / RTE (hours) | peak: ours | RTE's J-1 | day: curve | daily model |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f} %"

    for name, f in results:
        ours, rte = f["forecast"], f["rte_j1"]
        print(
            f"| {name} | {f['selected'].split('[')[0]} | {pct(ours['mape_30min'])} | "
            f"{pct(rte['mape_30min'])} | {pct(ours['mape_1h'])} | {pct(rte['mape_1h'])} | "
            f"{ours['mape_1h'] / rte['mape_1h']:.2f} | {pct(ours['peak_mape'])} | "
            f"{pct(rte['peak_mape'])} | {pct(ours['daily_mape'])} | {pct(f['daily_model'])} |"
        )
    print("goals: ours / RTE (hours) <= 1.00; the curve's day no worse than the daily model's")


if __name__ == "__main__":
    main()
