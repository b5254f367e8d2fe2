"""What `model: auto` serves on ODRÉ's years: each family and the aggregate of experts by the
held-out day-ahead MAPE `select` compares (the last training year, forecast out of sample as
served), each year's candidates searched and fitted on the three years before it. The test
years are not read.

Run: .venv/bin/python benchmarks/selection.py
"""

from __future__ import annotations

from aggregation import EWA_LEARNING_RATE, EXPERTS
from backtest import best_before, real_exports, settings_for, training_years

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
    for year in YEARS:
        settings = settings_for(year)
        best, reports = best_before(daily, settings, year)
        aggregate = Aggregation([best[n] for n in EXPERTS], list(RULES), EWA_LEARNING_RATE)
        served, _, _ = refit(aggregate, training_years(daily, year), settings, None)
        reports["aggregate"] = {"dayahead": dayahead_report(served)}
        held_out = ", ".join(
            f"{name} {report['dayahead']['holdout_mape']:.3f} %" for name, report in reports.items()
        )
        print(f"{year}: {held_out} -> {selected_family(settings, reports)}", flush=True)


if __name__ == "__main__":
    main()
