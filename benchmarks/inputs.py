"""The literature's inputs, each judged by cross-validation on training days only.

The best published forecasters of French load (Gaillard and Goude 2015; Obst, de Vilmarest and
Goude 2021; Doumèche et al. 2025) smooth the temperature at two time constants, smooth its
daily minimum and maximum too, mark the clock-change days and train on all the years they
have. For each of 2019, 2020 and 2021 on ODRÉ's series, from the three years before it, with
nothing of the year itself:

1. `features`: the search of the ridge and blend grids (expanding-window CV, as `train` runs
   it) without the candidates (the default sets less the features judged here) and with each
   one: EDF's T99 and T95 (exponential smoothings of the
   half-hourly temperature at 0.99 and 0.95 per half-hour, time constants of 50 h and 10 h)
   as the daily smoothing's half-life (1.44 and 0.3 day, in place of
   `features.smoothing_halflife_days`); the smoothed minimum and maximum, together and each
   alone (`smoothed_min_temperature`, `smoothed_max_temperature`, added to the `load` and
   `special` sets); the clock-change day type (`clock_change`, added to both). The best
   configuration's CV RMSE and MAPE per family; a candidate is kept if it lowers the blend's
   (the family selected every year) CV RMSE in every year.
2. `window`: the training window. The family `select` selects, backtested day-ahead over the
   last training year, held out (issued at 09:00 on D-1 with observed temperatures, refitted
   every 30 days), trained on the 1, 2 or 3 years before each origin or on all of them (the
   temperatures start in 2016); the window with the lowest MAPE is chosen. Where the choice is
   not three years (the window before it), both are then run once on the test year. The
   feature sets are those without the features judged in 1.

Run: .venv/bin/python benchmarks/inputs.py [features] [window]   (both by default)
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pandas as pd
from backtest import real_exports, selected_before, settings_for, training_years

from energy_forecast import backtesting
from energy_forecast.modeling.training import (
    Configuration,
    best_configuration,
    configurations,
    search,
)
from energy_forecast.runtime.settings import Settings

YEARS = (2019, 2020, 2021)
FAMILIES = ("ridge", "blend")
KEPT_BY = "blend"
# Training windows in days; None: every day before the origin.
WINDOWS: tuple[int | None, ...] = (365, 730, 1095, None)
THREE_YEARS = 1095


def half_life(days: float) -> Callable[[Settings], Settings]:
    def variant(settings: Settings) -> Settings:
        features = settings.features.model_copy(update={"smoothing_halflife_days": days})
        return settings.model_copy(update={"features": features})

    return variant


# The features judged here; the baseline sets are the params' without any of them.
JUDGED = ("smoothed_min_temperature", "smoothed_max_temperature", "clock_change")


def added(*features: str) -> Callable[[Settings], Settings]:
    """The `load` and `special` sets, which the ridge and blend grids choose between, without
    the judged features but `features`."""

    def variant(settings: Settings) -> Settings:
        sets = {
            name: [f for f in columns if f not in JUDGED]
            for name, columns in settings.features.sets.items()
        }
        for name in ("load", "special"):
            sets[name] = [*sets[name], *features]
        features_section = settings.features.model_copy(update={"sets": sets})
        return settings.model_copy(update={"features": features_section})

    return variant


def half_life_without_judged(days: float) -> Callable[[Settings], Settings]:
    return lambda settings: half_life(days)(added()(settings))


CANDIDATES: dict[str, Callable[[Settings], Settings]] = {
    "none of them": added(),
    "T99 (half-life 1.44 d)": half_life_without_judged(1.44),
    "T95 (half-life 0.3 d)": half_life_without_judged(0.3),
    "smoothed min and max": added("smoothed_min_temperature", "smoothed_max_temperature"),
    "smoothed min alone": added("smoothed_min_temperature"),
    "smoothed max alone": added("smoothed_max_temperature"),
    "clock-change day": added("clock_change"),
}


def features_part(daily: pd.DataFrame) -> None:
    print(
        "| year | inputs | "
        + " | ".join(f"{f} CV RMSE (MWh) | {f} CV MAPE" for f in FAMILIES)
        + " |"
    )
    print("|---|---|" + "---:|" * (2 * len(FAMILIES)))
    rmse: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    for year in YEARS:
        train = training_years(daily, year)
        for name, variant in CANDIDATES.items():
            settings = variant(settings_for(year))
            cells = []
            for family in FAMILIES:
                best = best_configuration(
                    search(configurations(settings, family), train, settings), "rmse"
                )
                cells += [f"{best.metrics['cv_rmse']:,.0f}", f"{best.metrics['cv_mape']:.3f} %"]
                if family == KEPT_BY:
                    rmse[name].append(best.metrics["cv_rmse"])
            print(f"| {year} | {name} | " + " | ".join(cells) + " |", flush=True)
    print()
    for name, values in rmse.items():
        if name != "none of them":
            kept = all(v < t for v, t in zip(values, rmse["none of them"], strict=True))
            print(f"{name}: {'kept' if kept else 'not kept'} ({KEPT_BY} CV RMSE in every year)")


def window_settings(year: int, first: str, last: str, train_days: int | None) -> Settings:
    settings = added()(settings_for(year))
    window = settings.backtest.model_copy(
        update={
            "start": pd.Timestamp(first).date(),
            "end": pd.Timestamp(last).date(),
            "train_days": train_days,
        }
    )
    # The bands are not scored here: calibrated on observed weather, no requests.
    intervals = settings.intervals.model_copy(update={"weather": "observed"})
    return settings.model_copy(update={"backtest": window, "intervals": intervals})


def backtest_mape(
    daily: pd.DataFrame, settings: Settings, selected: Configuration, year: int
) -> float:
    article = backtesting.article_configuration(settings)
    table = backtesting.rolling_forecasts(daily, settings, selected, article)
    return backtesting.summary(table, [0.8, 0.95])["adaptive"][str(year)]["mape"]


def window_part(daily: pd.DataFrame) -> None:
    dates = pd.to_datetime(daily["date"])
    first_day = dates.min()
    print("| year | held out | " + " | ".join(label(w) for w in WINDOWS) + " | chosen |")
    print("|---|---|" + "---:|" * len(WINDOWS) + "---|")
    chosen = {}
    selected = {year: selected_before(daily, added()(settings_for(year)), year) for year in YEARS}
    for year in YEARS:
        held_out = year - 1
        before = daily[dates < f"{year}-01-01"].reset_index(drop=True)
        start = pd.Timestamp(f"{held_out}-01-01")
        mape: dict[int | None, float] = {}
        for days in WINDOWS:
            # A window reaching before the first day is all of them: not run twice.
            if days is not None and start - pd.Timedelta(days=days) <= first_day:
                continue
            settings = window_settings(year, f"{held_out}-01-01", f"{held_out}-12-31", days)
            mape[days] = backtest_mape(before, settings, selected[year], held_out)
        chosen[year] = min(mape, key=lambda d: (mape[d], d is None, d or 0))
        cells = [f"{mape[w]:.3f} %" if w in mape else "(all)" for w in WINDOWS]
        print(
            f"| {year} | {held_out} | " + " | ".join(cells) + f" | {label(chosen[year])} |",
            flush=True,
        )
    print()
    for year, days in chosen.items():
        if days == THREE_YEARS:
            continue
        scores = {
            w: backtest_mape(
                daily,
                window_settings(year, f"{year}-01-01", f"{year}-12-31", w),
                selected[year],
                year,
            )
            for w in (THREE_YEARS, days)
        }
        print(
            f"{year}, test year read once: {label(THREE_YEARS)} {scores[THREE_YEARS]:.3f} %, "
            f"{label(days)} (chosen) {scores[days]:.3f} %"
        )


def label(days: int | None) -> str:
    return "all history" if days is None else f"{days // 365} year" + ("s" if days > 365 else "")


def main() -> None:
    parts = sys.argv[1:] or ["features", "window"]
    daily, _ = real_exports()
    if "features" in parts:
        features_part(daily)
    if "window" in parts:
        print()
        window_part(daily)


if __name__ == "__main__":
    main()
