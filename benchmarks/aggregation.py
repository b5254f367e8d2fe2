"""The online aggregation of experts beside the single selected family and RTE's J-1.

For each year 2019, 2020 and 2021 of ODRÉ's series: the pipeline's search on the three years
before it gives each family's best configuration and the family `select` selects (as
`benchmarks/backtest.py`); the backtest then refits every 30 days on the three years before
each origin and forecasts each day of the year with, in the same run:
- the selected family's served model (today's forecast),
- the aggregate of the best configurations of `EXPERTS`, each adapting at every
  `adapt.state_noise`, combined by the rule (`aggregation.RULES`) with the lowest MAPE on the
  training period's held-out days,
issued at 09:00 on D-1 and at the end of D-1, with the target day's observed temperatures (an
upper bound), and at 09:00 with weather forecasts of 0.5 °C day-ahead error
(`benchmarks/backtest.py`'s archive). RTE's J-1 on the same days comes from the derived daily
file `../shared/data/eco2mix/rte_daily_2014-2021.csv` (see its README; RTE's J-1 is made with
weather forecasts, and its archived value may be a later update than the 10:00 one). Also
times the backtest of the three years at 09:00, the aggregate beside the selected family.

Run: .venv/bin/python benchmarks/aggregation.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _workspace import ROOT
from backtest import best_before, families_only, real_exports, settings_for, weather_archive

from energy_forecast import backtesting
from energy_forecast.core.aggregation import RULES
from energy_forecast.modeling.training import Aggregation, selected_family
from energy_forecast.runtime.settings import Settings

YEARS = (2019, 2020, 2021)
EXPERTS = ("ridge", "gbm", "blend", "ptg")
EWA_LEARNING_RATE = 100.0
RTE_DAILY = ROOT.parent / "shared" / "data" / "eco2mix" / "rte_daily_2014-2021.csv"
# Goals: at 09:00, observed weather, at most 0.9 x RTE's J-1; with forecasts of 0.5 °C error
# at most 1.0 x; no year worse than the selected family alone.
GOAL_OBSERVED, GOAL_FORECAST = 0.9, 1.0
WEATHER_ERROR = 0.5


def rte_errors() -> pd.Series:
    """RTE's J-1 relative error of each day's energy, by date (both columns are half the
    energy in the derived file: their ratio is exact)."""
    rte = pd.read_csv(RTE_DAILY, usecols=["Date", "Consommation", "Prévision_J-1"])
    return (rte["Prévision_J-1"] / rte["Consommation"] - 1).set_axis(rte["Date"])


def with_weather_forecasts(settings: Settings) -> Settings:
    """`settings` asking each day with the weather forecast by its issue time; the bands,
    which this benchmark does not score, calibrated on observed weather (no requests)."""
    return settings.model_copy(
        update={
            "backtest": settings.backtest.model_copy(update={"weather": "forecast"}),
            "intervals": settings.intervals.model_copy(update={"weather": "observed"}),
        }
    )


def mape(table: pd.DataFrame) -> float:
    return float((table["adaptive"] / table["actual"] - 1).abs().mean() * 100)


def main() -> None:
    daily, regional = real_exports()
    archive = weather_archive(regional, WEATHER_ERROR)
    rte = rte_errors()
    article = backtesting.article_configuration(settings_for(YEARS[0]))
    rows = []
    seconds = {"selected": 0.0, "aggregate": 0.0}
    for year in YEARS:
        settings = settings_for(year)
        best, reports = best_before(daily, settings, year)
        selected = best[selected_family(families_only(settings), reports)]
        aggregate = Aggregation([best[n] for n in EXPERTS], list(RULES), EWA_LEARNING_RATE)
        print(f"{year}  selected {selected.name}\n      aggregate of {aggregate.name}", flush=True)
        for issued, issue_time, weather in (
            ("09:00", "09:00", None),
            ("end of D-1", None, None),
            (f"09:00, {WEATHER_ERROR} °C", "09:00", archive),
        ):
            figures = {}
            issued_settings = settings_for(year, issue_time=issue_time)
            if weather is not None:
                issued_settings = with_weather_forecasts(issued_settings)
            for name, config in (("selected", selected), ("aggregate", aggregate)):
                start = time.perf_counter()
                table = backtesting.rolling_forecasts(
                    daily, issued_settings, config, article, weather_forecasts=weather
                )
                if issued == "09:00":
                    seconds[name] += time.perf_counter() - start
                figures[name] = mape(table)
            days = table["date"]
            figures["rte"] = float(np.abs(rte.reindex(days)).mean() * 100)
            rows.append((year, issued, figures))
    print()
    print(
        "| year | issued (weather) | selected family | aggregate | RTE's J-1 | aggregate / RTE "
        "| goal |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for year, issued, f in rows:
        goal = GOAL_FORECAST if "°C" in issued else GOAL_OBSERVED if issued == "09:00" else None
        print(
            f"| {year} | {issued} | {f['selected']:.2f} % | {f['aggregate']:.2f} % | "
            f"{f['rte']:.2f} % | {f['aggregate'] / f['rte']:.2f} | "
            + (f"{goal:.1f} |" if goal else " |")
        )
    print(
        f"\nbacktest of {YEARS[0]}-{YEARS[-1]} issued at 09:00, observed weather: selected "
        f"family {seconds['selected']:.1f} s, aggregate {seconds['aggregate']:.1f} s "
        f"({seconds['aggregate'] / seconds['selected']:.2f}x)"
    )


if __name__ == "__main__":
    main()
