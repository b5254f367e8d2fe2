"""Rolling-origin backtest of day-ahead forecasts, the way a forecaster would have made them.

Origins run from `backtest.start` every `refit_days` to `backtest.end` (by default the test
period of `split`). At each, the selected
configuration's served model (the static model wrapped by `adapt`) is refitted on the
`train_days` whole at the issue time of the origin's forecast (to the origin - 2 at 09:00 on
D-1), then asked for each day up to the next origin exactly as it is
served: one request of the `warmup_days` before the origin and the days to forecast, carrying
the consumption of every day (whole, and to the issue time). The served model forecasts day D
from the consumption known at its issue time only (the whole days up to D - horizon_days, or
with an issue time the day before that and D - horizon_days to the issue time), so one request
gives every day's forecast (tests hold it to requests cut there). With `backtest.weather:
forecast` each day D is asked alone, as `energy-forecast forecast` asks it: the days before D,
then D, the temperatures of D's forecast days (`issuing.Issue.forecast_days`) as forecast by its
issue time, the observed ones before. Conventions follow Nixtla's
`cross_validation`: a cutoff per window, the refit cadence, a long table with the cutoff on each
row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import joblib
import numpy as np
import pandas as pd

from energy_forecast.core.calendar import special_days
from energy_forecast.core.curve import day_shapes
from energy_forecast.core.features import CONSUMPTION
from energy_forecast.core.inputs import PARIS, RTE_J1
from energy_forecast.core.intervals import ConformalQuantiles, interval_columns, level_name
from energy_forecast.data.weather_forecasts import archived_weather, calibration_weather
from energy_forecast.issuing import requests_as_issued
from energy_forecast.modeling import compute
from energy_forecast.modeling.metrics import percent_errors, scores
from energy_forecast.modeling.training import (
    Aggregation,
    Configuration,
    family_extra,
    feature_set,
    load_profile,
    refit,
    served_request,
)
from energy_forecast.runtime.paths import RAW_TEMPERATURE_FORECAST
from energy_forecast.runtime.progress import progress_bar
from energy_forecast.runtime.settings import Settings

# The best model of the article this project starts from (Jean-Michel Daignan, "Be more
# efficient to produce ML models with mlflow", Towards Data Science, 13 November 2019): a KNN of
# 5 neighbours weighted by distance on its feature set `all`, refitted at each origin beside
# ours.
ARTICLE_KNN = ("knn", "all", {"n_neighbors": 5, "weights": "distance"})


@dataclass(frozen=True)
class Window:
    """One origin: its training days and the days it forecasts."""

    origin: pd.Timestamp
    train: pd.DataFrame
    request: pd.DataFrame  # warm-up days and forecast days, consumption of every day
    # The weather forecasts of its days (rows of `read_temperature_forecasts`), with
    # `backtest.weather: forecast` and for the bands' calibration days with `intervals.weather:
    # forecast`; None: neither asks for them.
    weather_forecasts: pd.DataFrame | None = None


def article_configuration(settings: Settings) -> Configuration:
    """The article's KNN as a configuration of this project, to refit beside ours."""
    family, set_name, params = ARTICLE_KNN
    features = feature_set(settings, set_name, "features.sets (the article's set)")
    return Configuration(family, set_name, features, dict(params))


def window_days(settings: Settings, dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day the backtest forecasts, an open end at the data's last day."""
    start, end = settings.backtest_window
    return pd.Timestamp(start), dates.max() if end is None else pd.Timestamp(end)


def windows(
    daily: pd.DataFrame, settings: Settings, weather_forecasts: pd.DataFrame | None = None
) -> Iterator[Window]:
    """The origins' windows; with `weather_forecasts`, each carries those of its
    days."""
    cfg = settings.backtest
    dates = pd.to_datetime(daily["date"])
    start, end = window_days(settings, dates)
    for origin in pd.date_range(start, end, freq=f"{cfg.refit_days}D"):
        last = min(origin + pd.Timedelta(days=cfg.refit_days - 1), end)
        first_train = origin - pd.Timedelta(days=cfg.train_days) if cfg.train_days else dates.min()
        warmup = origin - pd.Timedelta(days=settings.adapt.warmup_days)
        known = origin - pd.Timedelta(days=settings.feature_settings.complete_lag_days)
        ahead = None
        if weather_forecasts is not None:
            # The first day asked and the days before it its issue forecasts.
            asked = origin
            if settings.intervals.weather == "forecast":
                # The bands' calibration days, the training's last, are asked as issued too.
                asked = known - pd.Timedelta(days=settings.intervals.calibration_days - 1)
            first = asked - pd.Timedelta(days=settings.forecast.horizon_days)
            dates_forecast = weather_forecasts["date"]
            ahead = weather_forecasts[(dates_forecast >= first) & (dates_forecast <= last)]
        yield Window(
            origin,
            # The days whole at the issue time of the origin's forecast, no later one.
            daily[(dates >= first_train) & (dates <= known)].reset_index(drop=True),
            daily[(dates >= warmup) & (dates <= last)].reset_index(drop=True),
            ahead,
        )


def static_forecast(model: ConformalQuantiles, frame: pd.DataFrame) -> np.ndarray:
    """The forecast of `frame` told no consumption: an adapting model's static one."""
    return np.asarray(model.forecaster_.predict(frame.drop(columns=CONSUMPTION)))


def rolling_forecasts(
    daily: pd.DataFrame,
    settings: Settings,
    selected: Configuration | Aggregation,
    article: Configuration,
    local_workers: int | None = None,
    weather_forecasts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per forecast day: date, actual, static, adaptive and its bands as served,
    article, the day's pinball loss, origin; with `weather_forecasts`, each day asked with the
    weather forecast by its issue time. Windows run where `compute` says: locally on
    `local_workers` processes (None: one per CPU this process may use, as `joblib.cpu_count`
    counts them, `LOKY_MAX_CPU_COUNT` capping; each window fits on one thread, and the results
    come back in order, the same to the last digit)."""
    every = list(windows(daily, settings, weather_forecasts))
    workers = min(len(every), local_workers or joblib.cpu_count())
    with compute.tasks(settings.compute, local_workers=workers) as tasks:
        calls = ((forecast_window, w, settings, selected, article) for w in every)
        answered = progress_bar("backtest", len(every), "origin", tasks(calls))
        return pd.concat(list(answered), ignore_index=True)


def forecast_window(
    window: Window,
    settings: Settings,
    selected: Configuration | Aggregation,
    article: Configuration,
) -> pd.DataFrame:
    """The window's days, forecast by the served model and the article's KNN refitted at its
    origin."""
    # The bands are calibrated on the weather the backtest forecasts with.
    weather = None
    if settings.backtest.weather == "forecast":
        weather = calibration_weather(settings, window.train, window.weather_forecasts)
    model, _, _ = refit(selected, window.train, settings, weather)
    # The article's model is static and has no bands: its pipeline alone.
    knn = article.build(settings.feature_settings, family_extra(settings, article.family))
    knn.fit(article.inputs(window.train), window.train[CONSUMPTION].to_numpy())
    context = (settings, selected, article, window.origin)
    return pd.concat(
        [
            answers(model, knn, days, kept, *context)
            for days, kept in issued_requests(window, settings)
        ],
        ignore_index=True,
    )


def issued_requests(
    window: Window, settings: Settings
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """The requests the window's days are asked in, each with the rows it forecasts: with
    observed weather one request for all; with `backtest.weather: forecast` one per day, the
    day last, its temperatures as forecast by its issue time."""
    if settings.backtest.weather == "observed":
        yield window.request, (pd.to_datetime(window.request["date"]) >= window.origin).to_numpy()
        return
    weather = archived_weather(
        window.weather_forecasts, settings.features.population_year, str(RAW_TEMPERATURE_FORECAST)
    )
    for days in requests_as_issued(
        window.request, window.origin, settings.forecast, settings.adapt.warmup_days, weather
    ):
        yield days, np.arange(len(days)) == len(days) - 1


def rolling_curves(
    table: pd.DataFrame,
    daily: pd.DataFrame,
    curve: pd.DataFrame,
    step: int,
    settings: Settings,
    weather_forecasts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per interval, `step` minutes long (`curve.step_minutes`), of the days of
    `table` (the daily backtest): its start (UTC), the actual and forecast mean power, the
    bands, and RTE's J-1 where the series carries it. At each origin a profile is fitted on the
    days whole by its issue time and shapes the served daily forecast and bands of each day,
    asked with the weather that forecast was asked with."""
    shapes = day_shapes(curve, step)
    answered = table.set_index("date").rename(columns={"adaptive": CONSUMPTION})
    parts = []
    for window in windows(daily, settings, weather_forecasts):
        profile = load_profile(settings).fit(window.train, shapes)
        for days, kept in issued_requests(window, settings):
            # The whole request, as served: the smoothed temperatures look back on it.
            on = pd.to_datetime(days["date"]).dt.strftime("%Y-%m-%d")
            parts.append(profile.curve(days, answered.reindex(on).reset_index(drop=True), kept))
    forecast = pd.concat(parts, ignore_index=True)
    actual = curve[["start", "mw", "rte_j1_mw"]].rename(columns={"mw": "actual_mw"})
    rows = forecast.merge(actual, on="start", how="inner")
    columns = [
        "start",
        "actual_mw",
        "forecast_mw",
        *interval_columns(settings.forecast.interval_levels),
    ]
    if rows["rte_j1_mw"].notna().any():
        columns.append("rte_j1_mw")
    return rows[["date", *columns]]


def answers(
    model: ConformalQuantiles,
    knn,
    days: pd.DataFrame,
    kept: np.ndarray,
    settings: Settings,
    selected: Configuration | Aggregation,
    article: Configuration,
    origin: pd.Timestamp,
) -> pd.DataFrame:
    """The `kept` days of the request `days`: actual, each forecast, bands, pinball, origin."""
    frame = served_request(selected, settings, days)
    actual = days[CONSUMPTION].to_numpy()
    point, quantiles = model.predict_quantiles(frame)
    served = model.bands(point, quantiles)
    # RTE's own day-ahead forecast, where the series carries it: beside ours, never an input.
    j1 = {RTE: days[RTE_J1].to_numpy()[kept]} if RTE_J1 in days else {}
    return pd.DataFrame(
        {
            "date": pd.to_datetime(days["date"])[kept].dt.strftime("%Y-%m-%d"),
            "actual": actual[kept],
            "static": static_forecast(model, frame)[kept],
            "adaptive": served.pop(CONSUMPTION).to_numpy()[kept],
            **{name: band.to_numpy()[kept] for name, band in served.items()},
            "article": np.asarray(knn.predict(article.inputs(days)))[kept],
            **j1,
            "pinball": model.pinball_loss(frame, point, actual)[kept],
            "origin": origin.strftime("%Y-%m-%d"),
        }
    )


FORECASTS = ("static", "adaptive", "article")
# RTE's J-1 forecast's column, on the series that carry it (ENTSO-E, eCO2mix).
RTE = "rte_j1"
# Ours issued at the end of D-1 (`issue_time: null`), beside RTE's J-1 on the series that
# carry it: RTE's archived value may be a later update than the one known at the issue time.
END_OF_DAY_BEFORE = "adaptive_end_of_d-1"


def rte(table: pd.DataFrame) -> tuple[str, ...]:
    """RTE's J-1 column, where the series carries it; else none."""
    return (RTE,) if RTE in table.columns else ()


def forecast_names(table: pd.DataFrame) -> tuple[str, ...]:
    """The forecasts the table holds: ours (at the end of D-1 too, where it was asked), and
    RTE's where the series carries it."""
    late = (END_OF_DAY_BEFORE,) if END_OF_DAY_BEFORE in table.columns else ()
    return FORECASTS + late + rte(table)


def with_end_of_day_before(
    table: pd.DataFrame,
    daily: pd.DataFrame,
    settings: Settings,
    selected: Configuration | Aggregation,
    weather_forecasts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`table` with ours issued at the end of D-1 (`END_OF_DAY_BEFORE`), refitted and asked as
    the backtest did at the issue time, where the series carries RTE's J-1 and the issue time
    is not the end of D-1 already; else `table` as it is."""
    if RTE not in table.columns or settings.forecast.issue_time is None:
        return table
    forecast = settings.forecast.model_copy(update={"issue_time": None})
    late = rolling_forecasts(
        daily,
        settings.model_copy(update={"forecast": forecast}),
        selected,
        article_configuration(settings),
        weather_forecasts=weather_forecasts,
    )
    by_day = late.set_index("date")["adaptive"].reindex(table["date"])
    return table.assign(**{END_OF_DAY_BEFORE: by_day.to_numpy()})


def information(settings: Settings) -> dict[str, str | int | None]:
    """What each forecast knew: when it was issued, how far ahead, which weather."""
    forecast = settings.forecast
    return {
        "issue_time": forecast.issue_time,
        "horizon_days": forecast.horizon_days,
        "weather": settings.backtest.weather,
    }


def issued(settings: Settings) -> str:
    """When a forecast for D is issued, in words."""
    forecast = settings.forecast
    day = f"D-{forecast.horizon_days}"
    return (
        f"at the end of {day}" if forecast.issue_time is None else f"{forecast.issue_time} on {day}"
    )


def summary(
    table: pd.DataFrame, levels: list[float]
) -> Mapping[str, Mapping[str, Mapping[str, float | None]]]:
    """MAPE, RMSE and MAE of each forecast (RTE's on the days it has), the bands' scores, and
    the MAPE of special days and of the others, per year and overall."""
    groups = by_year(table)

    def scored(rows: pd.DataFrame, name: str) -> dict[str, float]:
        rows = rows[rows[name].notna()]
        return {k: v for k, v in scores(rows["actual"], rows[name]).items() if k != "r2"}

    return (
        {
            name: {p: scored(rows, name) for p, rows in groups.items()}
            for name in forecast_names(table)
        }
        | {"intervals": {period: band_scores(rows, levels) for period, rows in groups.items()}}
        | {"special_days": {period: special_day_mape(rows) for period, rows in groups.items()}}
    )


def by_year(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`rows` per year of their `date`, then all of them as `overall`: the periods of every
    summary."""
    years = pd.to_datetime(rows["date"]).dt.year
    return {str(year): rows[years == year] for year in sorted(years.unique())} | {"overall": rows}


def special_day_mape(rows: pd.DataFrame) -> dict[str, float | None]:
    """`<forecast>_<kind>_mape` (%) for each kind of `calendar.special_days`, and its days;
    None where the period has no such day."""
    kinds = special_days(pd.DatetimeIndex(pd.to_datetime(rows["date"])))
    out: dict[str, float | None] = {}
    for kind, mask in kinds.items():
        out[f"{kind}_days"] = int(mask.sum())
        for name in ("adaptive", *rte(rows)):
            chosen = rows[mask & rows[name].notna().to_numpy()]
            error = percent_errors(chosen[name], chosen["actual"])
            out[f"{name}_{kind}_mape"] = float(error.mean()) if len(chosen) else None
    return out


def band_scores(rows: pd.DataFrame, levels: list[float]) -> dict[str, float]:
    """Per level, the share of days inside (%) and the mean width (MWh); the mean pinball loss."""
    out = {}
    for level in levels:
        name = level_name(level)
        lower, upper = rows[f"lower_{name}"], rows[f"upper_{name}"]
        inside = (rows["actual"] >= lower) & (rows["actual"] <= upper)
        out[f"coverage_{name}"] = float(inside.mean() * 100)
        out[f"width_{name}"] = float((upper - lower).mean())
    return out | {"pinball": float(rows["pinball"].mean())}


def monthly_mape(table: pd.DataFrame) -> pd.DataFrame:
    """Each month's MAPE (%), static against adaptive (and RTE's J-1 where the series has it):
    the plot of when adaptation pays."""
    month = pd.to_datetime(table["date"]).dt.strftime("%Y-%m")
    error = {
        name: percent_errors(table[name], table["actual"])
        for name in ("static", "adaptive", *rte(table))
    }
    out = pd.DataFrame(error).groupby(month).mean().rename_axis("month").reset_index()
    return out.round(3)


def _curve_mape(rows: pd.DataFrame, column: str) -> float | None:
    rows = rows[rows[column].notna()]
    if rows.empty:
        return None
    return float(percent_errors(rows[column], rows["actual_mw"]).mean())


def _hourly(rows: pd.DataFrame) -> pd.DataFrame:
    """The intervals as whole hours: each hour's mean power (its intervals all present)."""
    hour = rows["start"].dt.floor("h")
    numbers = [c for c in ("actual_mw", "forecast_mw", "rte_j1_mw") if c in rows.columns]
    grouped = rows.groupby(hour)[numbers]
    whole = grouped.count()["actual_mw"] == grouped.size().max()
    return grouped.mean()[whole.to_numpy()].reset_index(drop=True)


def _peak_mape(rows: pd.DataFrame, column: str) -> float | None:
    """Mean error (%) of the day's highest interval: its forecast peak against its actual."""
    rows = rows[rows[column].notna()]
    if rows.empty:
        return None
    peaks = rows.groupby("date")[["actual_mw", column]].max()
    return float(percent_errors(peaks[column], peaks["actual_mw"]).mean())


def curve_forecasts(rows: pd.DataFrame) -> list[str]:
    """The forecasts a curve's rows hold: ours, and RTE's J-1 where the series carries it."""
    return ["forecast_mw", *(["rte_j1_mw"] if "rte_j1_mw" in rows.columns else [])]


def curve_scores(rows: pd.DataFrame, table: pd.DataFrame, step: int) -> dict[str, dict]:
    """Per forecast (ours, RTE's where given): the MAPE of the series' intervals (`mape_30min`
    where it is half-hourly) and of its hours, of the day's peak, and of the day's energy
    as the curve sums it, against the day's (ours: the daily forecast, to the rounding); ours'
    bands' share of intervals inside (%)."""
    out: dict[str, dict] = {}
    hourly = _hourly(rows)
    for name in curve_forecasts(rows):
        energy = (rows[name] * step / 60).groupby(rows["date"]).sum(min_count=1)
        actual = table.set_index(pd.to_datetime(table["date"]))["actual"].reindex(energy.index)
        out[name.removesuffix("_mw")] = {
            "mape_30min": _curve_mape(rows, name) if step == 30 else None,
            "mape_1h": _curve_mape(hourly, name),
            "peak_mape": _peak_mape(rows, name),
            "daily_mape": float(percent_errors(energy, actual).mean()),
        }
    for lower in [c for c in rows.columns if c.startswith("lower_")]:
        upper = rows[lower.replace("lower_", "upper_")]
        inside = (rows["actual_mw"] >= rows[lower]) & (rows["actual_mw"] <= upper)
        out["forecast"][lower.replace("lower_", "coverage_")] = float(inside.mean() * 100)
    return out


def curve_summary(rows: pd.DataFrame, table: pd.DataFrame, step: int) -> dict[str, dict]:
    """`curve_scores` per year of the days and overall: {forecast: {period: scores}}."""
    periods = by_year(rows)
    scored = {period: curve_scores(part, table, step) for period, part in periods.items()}
    names = scored["overall"].keys()
    return {name: {period: scored[period][name] for period in periods} for name in names}


def winter_week(rows: pd.DataFrame) -> pd.DataFrame:
    """The intervals of the first Monday-to-Sunday week of December to February in `rows`
    (else the first whole week): the plot of a week of the curve."""
    days = pd.DatetimeIndex(pd.to_datetime(rows["date"]).unique())
    mondays = [d for d in days if d.weekday() == 0 and d + pd.Timedelta(days=6) in days]
    if not mondays:
        return rows.iloc[:0]
    winter = [d for d in mondays if d.month in (12, 1, 2)]
    first = (winter or mondays)[0]
    dates = pd.to_datetime(rows["date"])
    return rows[(dates >= first) & (dates <= first + pd.Timedelta(days=6))]


def mape_by_hour(rows: pd.DataFrame) -> pd.DataFrame:
    """The MAPE (%) of each hour of the day (Paris time), ours and RTE's where given."""
    hour = rows["start"].dt.tz_convert(PARIS).dt.hour.rename("hour")
    error = {
        name.removesuffix("_mw"): percent_errors(rows[name], rows["actual_mw"])
        for name in curve_forecasts(rows)
    }
    return pd.DataFrame(error).groupby(hour).mean().round(3).reset_index()
