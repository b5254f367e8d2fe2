"""Beside RTE's own day-ahead forecast, on the series RTE forecasts; and the special days.

1. RTE's series (the 2020 and 2021 ENTSO-E exports, with the regional temperatures): 2021
   forecast day-ahead, refitted every 30 days on every day of the series before each origin
   (2020's lockdown inside), issued at 09:00 on D-1 and at the end of D-1 (`issue_time:
   null`), beside RTE's J-1 forecast on the same days. The configuration is the one the
   pipeline selects from the three years of ODRÉ's series before 2021 (the ENTSO-E series
   starts in 2020: too short to search on). The target day's temperatures are the observed
   ones: an upper bound on what a forecaster with a weather forecast scores; the backtest
   benchmark (`benchmarks/backtest.py`) prints what a weather-forecast error costs.
2. ODRÉ's series, 2019, 2020 and 2021, each from the three years before it (as
   `benchmarks/backtest.py`), issued at 09:00 on D-1: the MAPE on special days (public holidays,
   bridges and the days next to them; clock changes; 24 December to 2 January) and on the
   others, with the served model as it is and, in the same run, fitted on each day's energy as
   it was before the day-length scaling (`DayLengthScaled`'s inner pipeline alone).

Run: .venv/bin/python benchmarks/rte.py
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from _workspace import ROOT, SHARED
from backtest import selected_before, settings_for

from energy_forecast import backtesting
from energy_forecast.data.daily import daily_table
from energy_forecast.modeling.training import Configuration
from energy_forecast.runtime.settings import Settings

ENTSOE = ROOT.parent / "shared" / "data" / "entsoe"
TEMPERATURE = SHARED / "temperature-quotidienne-regionale_2016-2021_ddmmyy.csv"
YEARS = (2019, 2020, 2021)
# Goals: ours at most 0.8 x RTE's J-1 (2021, 09:00); special days at most 1.6 %, clock changes
# at most 1.5 % (ODRÉ, each year).
GOAL_RATIO, GOAL_SPECIAL, GOAL_CLOCK = 0.8, 1.6, 1.5


@dataclass
class Unscaled(Configuration):
    """The configuration's model fitted on each day's energy, with no day-length scaling."""

    def build(self, feature_settings: Any, extra: dict[str, Any]) -> Any:
        return super().build(feature_settings, extra).estimator


def series(
    path, settings: Settings, issue_time: str | None, start: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The daily table and the curve of an export, as `featurize` makes them."""
    daily, _, curve = daily_table(
        path,
        TEMPERATURE,
        pd.Timestamp(start),
        None,
        settings.features.population_year,
        settings.data.quality,
        issue_time,
    )
    return daily, curve


def table(path, settings: Settings, issue_time: str | None, start: str) -> pd.DataFrame:
    return series(path, settings, issue_time, start)[0]


def joined_entsoe(folder: Path) -> Path:
    """One export of ENTSO-E's 2020 and 2021 files in `folder`, as `ingest` joins them:
    1 January 2021 spans the two files."""
    files = sorted(ENTSOE.glob("Total Load*.csv"))
    joined = folder / "entsoe.csv"
    header, *rows = files[0].read_text(encoding="utf-8").splitlines(keepends=True)
    rows += files[1].read_text(encoding="utf-8").splitlines(keepends=True)[1:]
    joined.write_text("".join([header, *rows]), encoding="utf-8")
    return joined


def entsoe_part(selected: Configuration) -> None:
    folder = tempfile.TemporaryDirectory()
    joined = joined_entsoe(Path(folder.name))
    print("\nRTE's series (ENTSO-E), 2021, day-ahead MAPE on the same days:")
    print("| issued | ours | RTE's J-1 | ours / RTE's | goal (09:00) |")
    print("|---|---:|---:|---:|---:|")
    try:
        for issue_time in ("09:00", None):
            settings = settings_for(2021, issue_time=issue_time)
            settings = settings.model_copy(
                update={"backtest": settings.backtest.model_copy(update={"train_days": None})}
            )
            # 1 January 2020 lacks its first hour (23:00 UTC the day before is in no file).
            daily = table(joined, settings, issue_time, "2020-01-02")
            forecasts = backtesting.rolling_forecasts(
                daily, settings, selected, backtesting.article_configuration(settings)
            )
            summary = backtesting.summary(forecasts, [0.8, 0.95])
            ours, rte = summary["adaptive"]["2021"]["mape"], summary["rte_j1"]["2021"]["mape"]
            issued = "09:00 on D-1" if issue_time else "end of D-1"
            goal = f"{GOAL_RATIO:.2f}" if issue_time else ""
            print(f"| {issued} | {ours:.2f} % | {rte:.2f} % | {ours / rte:.2f} | {goal} |")
    finally:
        folder.cleanup()


def special_part(daily: pd.DataFrame, selected: dict[int, Configuration]) -> None:
    print("\nODRÉ's series, issued at 09:00 on D-1, MAPE (days):")
    print(
        "| year | model | special days | holidays, bridges, neighbours | clock changes "
        "| 24 Dec - 2 Jan | other days |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for year in YEARS:
        settings = settings_for(year)
        for name, config in (
            ("before (energy)", Unscaled(**vars(selected[year]))),
            ("day-length scaled", selected[year]),
        ):
            forecasts = backtesting.rolling_forecasts(
                daily, settings, config, backtesting.article_configuration(settings)
            )
            s = backtesting.special_day_mape(forecasts)
            cells = [
                f"{s[f'adaptive_{kind}_mape']:.2f} % ({s[f'{kind}_days']})"
                for kind in ("special", "holiday", "clock_change", "year_end", "other")
            ]
            print(f"| {year} | {name} | " + " | ".join(cells) + " |", flush=True)
    print(
        f"\nGoals: special days <= {GOAL_SPECIAL} %, clock changes <= {GOAL_CLOCK} %, other days "
        "no worse than before."
    )


def main() -> None:
    consumption = SHARED / "consommation-quotidienne-brute_2012-2021.csv"
    if not consumption.exists() or not sorted(ENTSOE.glob("Total Load*.csv")):
        sys.exit("the real exports in ../shared/data/odre and ../shared/data/entsoe are absent")
    base = settings_for(YEARS[0])
    daily = table(consumption, base, base.forecast.issue_time, "2016-01-01")
    selected = {}
    for year in YEARS:
        selected[year] = selected_before(daily, settings_for(year), year)
        print(f"{year}  selected from the 3 years before: {selected[year].name}", flush=True)
    entsoe_part(selected[2021])
    special_part(daily, selected)


if __name__ == "__main__":
    main()
