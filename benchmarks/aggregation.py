"""The online aggregation of experts beside the single selected family and RTE's J-1.

For each year 2019, 2020 and 2021 of ODRÉ's series: the pipeline's search on the three years
before it gives each family's best configuration and the family `select` selects (as
`benchmarks/backtest.py`); the backtest then refits every 30 days on every day before each
origin (from 2016, the temperatures' first year) and forecasts each day of the year with, in
the same run:
- the selected family's served model (today's forecast),
- the aggregate of the best configurations of `EXPERTS`, each adapting at every
  `adapt.state_noise`, combined by the rule (`aggregation.RULES`) with the lowest MAPE on the
  training period's held-out days,
issued at 09:00 on D-1 and at the end of D-1, with the target day's observed temperatures (an
upper bound), and at 09:00 with weather forecasts of 0.5 °C day-ahead error
(`benchmarks/backtest.py`'s archive). RTE's J-1 on the same days comes from the derived daily
file `../shared/data/eco2mix/rte_daily_2014-2021.csv` (see its README; RTE's J-1 is made with
weather forecasts, and its archived value may be a later update than the 10:00 one). Then
the same on RTE's own series, RTE's J-1 from the export: eCO2mix's annual exports, 2018
(from the configurations searched on ODRÉ's 2016-2017, the same series), and ENTSO-E's, 2021
(from those searched on ODRÉ's 2018-2020; ENTSO-E's series starts in 2020). Also times the
backtest of ODRÉ's three years at 09:00, the aggregate beside the selected family.

Run: .venv/bin/python benchmarks/aggregation.py
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _workspace import ROOT
from backtest import best_before, families_only, real_exports, settings_for, weather_archive
from rte import joined_entsoe, table

from energy_forecast import backtesting
from energy_forecast.core.aggregation import RULES
from energy_forecast.modeling.metrics import percent_errors
from energy_forecast.modeling.training import Aggregation, Configuration, selected_family
from energy_forecast.runtime.settings import Settings

YEARS = (2019, 2020, 2021)
EXPERTS = ("ridge", "gbm", "blend", "ptg")
EWA_LEARNING_RATE = 100.0
ECO2MIX = ROOT.parent / "shared" / "data" / "eco2mix"
RTE_DAILY = ECO2MIX / "rte_daily_2014-2021.csv"
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
    return float(percent_errors(table["adaptive"], table["actual"]).mean())


def eco2mix_daily() -> pd.DataFrame:
    """The daily table of eCO2mix's annual exports 2016-2018, each year read as `ingest` reads
    it, with RTE's J-1 of each day (`rte_j1_mwh`) from the export itself."""
    base = settings_for(YEARS[0])
    return pd.concat(
        [
            table(
                ECO2MIX / f"eCO2mix_RTE_Annuel-Definitif_{year}.{suffix}",
                base,
                base.forecast.issue_time,
                f"{year}-01-01",
            )
            for year, suffix in ((2016, "xls"), (2017, "xls"), (2018, "zip"))
        ],
        ignore_index=True,
    )


def entsoe_daily(folder: Path) -> pd.DataFrame:
    """The daily table of ENTSO-E's 2020 and 2021 exports joined, from 2 January 2020 (the 1st
    lacks its first hour), with RTE's J-1."""
    base = settings_for(YEARS[0])
    return table(joined_entsoe(folder), base, base.forecast.issue_time, "2020-01-02")


def figures_of(
    daily: pd.DataFrame,
    year: int,
    models: dict[str, Configuration | Aggregation],
    archive: pd.DataFrame,
    rte: Callable[[pd.DataFrame], float],
    seconds: dict[str, float] | None = None,
) -> list[tuple[str, dict[str, float]]]:
    """Each way of issuing: the MAPE of each model and RTE's J-1 on the same days, each
    model refitted every 30 days on every day before the origin (`backtest.train_days: null`,
    the window `benchmarks/inputs.py` chose)."""
    article = backtesting.article_configuration(settings_for(year))
    rows = []
    for issued, issue_time, weather in (
        ("09:00", "09:00", None),
        ("end of D-1", None, None),
        (f"09:00, {WEATHER_ERROR} °C", "09:00", archive),
    ):
        settings = settings_for(year, issue_time=issue_time)
        settings = settings.model_copy(
            update={"backtest": settings.backtest.model_copy(update={"train_days": None})}
        )
        if weather is not None:
            settings = with_weather_forecasts(settings)
        figures = {}
        for name, config in models.items():
            start = time.perf_counter()
            table = backtesting.rolling_forecasts(
                daily, settings, config, article, weather_forecasts=weather
            )
            if seconds is not None and issued == "09:00":
                seconds[name] += time.perf_counter() - start
            if backtesting.RTE in table:
                # RTE's J-1 leaves a day out here and there: every figure on its days.
                table = table[table[backtesting.RTE].notna()]
            figures[name] = mape(table)
        figures["rte"] = rte(table)
        rows.append((issued, figures))
    return rows


def rte_in_table(table: pd.DataFrame) -> float:
    return float(percent_errors(table[backtesting.RTE], table["actual"]).mean())


def main() -> None:
    daily, regional = real_exports()
    archive = weather_archive(regional, WEATHER_ERROR)
    errors = rte_errors()

    def rte_derived(table: pd.DataFrame) -> float:
        return float(np.abs(errors.reindex(table["date"])).mean() * 100)

    rows = []
    seconds = {"selected": 0.0, "aggregate": 0.0}
    models = {}
    for year in (2018, *YEARS):
        settings = settings_for(year)
        best, reports = best_before(daily, settings, year)
        selected = best[selected_family(families_only(settings), reports)]
        aggregate = Aggregation([best[n] for n in EXPERTS], list(RULES), EWA_LEARNING_RATE)
        models[year] = {"selected": selected, "aggregate": aggregate}
        print(f"{year}  selected {selected.name}\n      aggregate of {aggregate.name}", flush=True)
        if year in YEARS:
            for issued, figures in figures_of(
                daily, year, models[year], archive, rte_derived, seconds=seconds
            ):
                rows.append((f"ODRÉ {year}", issued, figures))
    # RTE's own series, RTE's J-1 from the export: the configurations searched on ODRÉ's
    # years before (the same series as eCO2mix's; ENTSO-E's starts in 2020, too short to
    # search on).
    for issued, figures in figures_of(eco2mix_daily(), 2018, models[2018], archive, rte_in_table):
        rows.append(("eCO2mix 2018", issued, figures))
    with tempfile.TemporaryDirectory() as folder:
        entsoe = entsoe_daily(Path(folder))
        for issued, figures in figures_of(entsoe, 2021, models[2021], archive, rte_in_table):
            rows.append(("ENTSO-E 2021", issued, figures))
    print()
    print(
        "| series, year | issued (weather) | selected family | aggregate | RTE's J-1 "
        "| aggregate / RTE | goal |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for series, issued, f in rows:
        goal = GOAL_FORECAST if "°C" in issued else GOAL_OBSERVED if issued == "09:00" else None
        print(
            f"| {series} | {issued} | {f['selected']:.2f} % | {f['aggregate']:.2f} % | "
            f"{f['rte']:.2f} % | {f['aggregate'] / f['rte']:.2f} | "
            + (f"{goal:.1f} |" if goal else " |")
        )
    print(
        f"\nbacktest of ODRÉ {YEARS[0]}-{YEARS[-1]} issued at 09:00, observed weather: selected "
        f"family {seconds['selected']:.1f} s, aggregate {seconds['aggregate']:.1f} s "
        f"({seconds['aggregate'] / seconds['selected']:.2f}x)"
    )


if __name__ == "__main__":
    main()
