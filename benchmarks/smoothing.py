"""EDF's smoothed temperatures as daily smoothings, judged by CV on training days only.

EDF's load models smooth the half-hourly temperature exponentially at 0.95 and 0.99 per
half-hour (T95 and T99: time constants of 10 h and 50 h). On daily means that is a smoothing
halving a day's weight every 0.3 day (T95) and 1.44 days (T99). For each of 2019, 2020 and 2021,
the search of the ridge and blend grids on the three years before it (expanding-window CV, as
`train` runs it) with `features.smoothing_halflife_days` at today's value and at both: the CV
RMSE and MAPE of each family's best configuration. The test years are not read.

Run: .venv/bin/python benchmarks/smoothing.py
"""

from __future__ import annotations

import pandas as pd
from backtest import real_exports, settings_for

from energy_forecast.modeling.training import best_configuration, configurations, search

YEARS = (2019, 2020, 2021)
FAMILIES = ("ridge", "blend")
# Today's half-life first (the baseline), then T99's and T95's.
HALF_LIVES = {"default": None, "T99": 1.44, "T95": 0.3}


def main() -> None:
    daily, _ = real_exports()
    dates = pd.to_datetime(daily["date"])
    print(
        "| year | smoothing (half-life, days) | "
        + " | ".join(f"{f} CV RMSE (MWh) | {f} CV MAPE" for f in FAMILIES)
        + " |"
    )
    print("|---|---|" + "---:|" * (2 * len(FAMILIES)))
    for year in YEARS:
        train = daily[(dates >= f"{year - 3}-01-01") & (dates < f"{year}-01-01")]
        train = train.reset_index(drop=True)
        base = settings_for(year)
        for name, half_life in HALF_LIVES.items():
            value = base.features.smoothing_halflife_days if half_life is None else half_life
            features = base.features.model_copy(update={"smoothing_halflife_days": value})
            settings = base.model_copy(update={"features": features})
            cells = []
            for family in FAMILIES:
                best = best_configuration(
                    search(configurations(settings, family), train, settings), "rmse"
                )
                cells += [f"{best.metrics['cv_rmse']:,.0f}", f"{best.metrics['cv_mape']:.3f} %"]
            print(f"| {year} | {name} ({value:g}) | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
