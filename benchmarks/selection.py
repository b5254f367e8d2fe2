"""What `model: auto` serves on ODRÉ's years: each family and the aggregate of experts by the
held-out day-ahead MAPE `select` compares (the last training year, forecast out of sample as
served), each year's candidates searched and fitted on the three years before it. The test
years are not read.

Run: .venv/bin/python benchmarks/selection.py
"""

from __future__ import annotations

import pandas as pd
from aggregation import EWA_LEARNING_RATE, EXPERTS
from backtest import best_before, real_exports, settings_for

from energy_forecast.core.aggregation import RULES
from energy_forecast.modeling.training import (
    Aggregation,
    dayahead_report,
    refit,
    selected_family,
)

YEARS = (2019, 2020, 2021)


def main() -> None:
    daily, _ = real_exports()
    dates = pd.to_datetime(daily["date"])
    for year in YEARS:
        settings = settings_for(year)
        best, reports = best_before(daily, settings, year)
        train = daily[(dates >= f"{year - 3}-01-01") & (dates < f"{year}-01-01")]
        aggregate = Aggregation([best[n] for n in EXPERTS], list(RULES), EWA_LEARNING_RATE)
        served, _, _ = refit(aggregate, train.reset_index(drop=True), settings, None)
        reports["aggregate"] = {"dayahead": dayahead_report(served)}
        held_out = ", ".join(
            f"{name} {report['dayahead']['holdout_mape']:.3f} %" for name, report in reports.items()
        )
        print(f"{year}: {held_out} -> {selected_family(settings, reports)}", flush=True)


if __name__ == "__main__":
    main()
