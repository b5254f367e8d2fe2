"""Features from a date and national temperatures: the one code path for training and serving.

`build_features` is what every model runs on its raw inputs (through `FeatureBuilder`), in
training, in the backtest and when served, so a served model can never disagree with the
pipeline about what a feature means; `featurize` writes the raw inputs alone
(`daily.parquet`: a date, the consumption and the national temperatures).

Features that look back (the smoothed temperature) read the preceding days from the same
frame, matched by date: a request that carries the `smoothing_window_days - 1` days before
the first day it wants gets exactly the pipeline's value; with fewer days, the smoothing uses
the days it has (on a single row it is that day's temperature).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from energy_forecast.core import calendar
from energy_forecast.core.errors import InputError
from energy_forecast.core.feature_names import (
    CONSUMPTION_FEATURES,
    DEFAULTS,
    DERIVED_TEMPERATURE_FEATURES,
    WEEKDAY_NAMES,
    known_features,
    unknown_features,
)
from energy_forecast.core.inputs import (
    CONSUMPTION,
    CONSUMPTION_TO_ISSUE,
    DAILY_MWH_BOUNDS,
    PARIS,
    SUPPORTED_DATES,
    TEMPERATURE_COLUMNS,
    TEMPERATURE_RANGE,
)
from energy_forecast.core.settings import FeatureSettings

# Characters of a bad value an error message echoes.
SHOWN_CHARACTERS = 40
REFERENCE_TEMPERATURE = "wavg_mean_temperature"
NIGHT_TEMPERATURE = "wavg_min_temperature"
DAY_TEMPERATURE = "wavg_max_temperature"
# The raw temperature each derived feature reads; the others read REFERENCE_TEMPERATURE.
DERIVED_FROM = {
    "cold_night_degrees": NIGHT_TEMPERATURE,
    "smoothed_min_temperature": NIGHT_TEMPERATURE,
    "smoothed_max_temperature": DAY_TEMPERATURE,
}

LOOKBACK_FEATURES = {f for f in DERIVED_TEMPERATURE_FEATURES if "smoothed" in f or "slow" in f}


def history_days(settings: FeatureSettings = DEFAULTS) -> int:
    """Days before its first wanted day that a request carries to get the pipeline's features."""
    return max(settings.smoothing_window_days, settings.slow_smoothing_window_days) - 1


def required_inputs(features: Sequence[str]) -> list[str]:
    """The raw columns a model needs to build `features`: `date` and some temperatures.

    Consumption lags read `consumption_mwh` where the request has it: an optional column.
    """
    needed = {f for f in features if f in TEMPERATURE_COLUMNS}
    for feature in features:
        if feature in DERIVED_TEMPERATURE_FEATURES:
            needed.add(DERIVED_FROM.get(feature, REFERENCE_TEMPERATURE))
    return ["date", *[c for c in TEMPERATURE_COLUMNS if c in needed]]


def _shown(value: Any) -> str:
    """A request value as an error message echoes it: a long one cut to its first characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > SHOWN_CHARACTERS:
        return f"{text[:SHOWN_CHARACTERS]!r}... ({len(text):,} characters)"
    return repr(value) if isinstance(value, str) else text


def _where(row: int, first_line: int | None) -> str:
    """Row `row` of a request, or its line in a file whose first data row is `first_line`."""
    return f"row {row}" if first_line is None else f"line {row + first_line}"


def _reject_first(
    bad: np.ndarray, column: str, source: str, first_line: int | None, problem: Callable[[int], str]
) -> None:
    """Raise for the first True in `bad`, naming its row (or file line) and the column."""
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"{_where(row, first_line)}: {problem(row)}", source=source, column=column)


# An ISO 8601 time's UTC offset at its end: `Z`, `+01:00`, `-0500`.
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
# A date as the API takes it: YYYY-MM-DD, alone or before a time. ISO 8601's basic form
# (`20251026`) is refused: an integer date would pass for it.
_EXTENDED_DATE = r"^\d{4}-\d{2}-\d{2}(?:$|[T ])"


def parse_dates(
    values: pd.Series, source: str = "input", first_line: int | None = None
) -> pd.DatetimeIndex:
    """The Paris day of each value: a plain date, or a time with a UTC offset read on the Paris
    clock (`2019-01-07T23:30:00Z` is 8 January)."""
    days = _plain_days(values)
    if days is None:
        text = values.astype(str).str.strip()
        dates = pd.to_datetime(text.where(text.str.len() == 10), format="%Y-%m-%d", errors="coerce")
        if dates.isna().any():
            dates = _timed_dates(text)
        days = dates.to_numpy().astype("datetime64[D]")
    _reject_first(
        np.isnat(days),
        "date",
        source,
        first_line,
        lambda row: f"{_shown(values.iloc[row])} is not a date; expected YYYY-MM-DD",
    )
    first, last = (np.datetime64(d, "D") for d in SUPPORTED_DATES)
    _reject_first(
        (days < first) | (days > last),
        "date",
        source,
        first_line,
        lambda row: (
            f"{days[row]} is outside the supported dates {SUPPORTED_DATES[0]} to "
            f"{SUPPORTED_DATES[1]}"
        ),
    )
    return pd.DatetimeIndex(days.astype("datetime64[ns]"))


def _plain_days(values: pd.Series) -> np.ndarray | None:
    """Every value a plain YYYY-MM-DD date, parsed by NumPy in one pass (what nearly every
    request holds); None when one is not, for the parser that says which."""
    text = np.asarray(values.to_numpy(), dtype=str)
    if text.size == 0 or not (np.char.str_len(text) == 10).all():
        return None
    try:
        return text.astype("datetime64[D]")
    except ValueError:
        return None


def _timed_dates(text: pd.Series) -> pd.Series:
    """Each value's Paris date and time, NaT where it is not ISO 8601's extended form."""
    aware = text.str.contains(_OFFSET, regex=True).to_numpy()
    extended = text.str.match(_EXTENDED_DATE).to_numpy()
    dates = pd.to_datetime(text.where(~aware & extended), format="ISO8601", errors="coerce")
    if aware.any():
        utc = pd.to_datetime(
            text.where(aware & extended), format="ISO8601", errors="coerce", utc=True
        )
        dates = dates.where(~aware, utc.dt.tz_convert(PARIS).dt.tz_localize(None))
    return dates


def checked_temperature(
    values: pd.Series, column: str, source: str = "input", first_line: int | None = None
) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    low, high = TEMPERATURE_RANGE
    bad = ~np.isfinite(numbers) | (numbers < low) | (numbers > high)
    _reject_first(
        bad,
        column,
        source,
        first_line,
        lambda row: (
            f"{_shown(values.iloc[row])} is not a temperature in °C between {low} and {high}"
        ),
    )
    return numbers


def checked_consumption(
    values: pd.Series,
    source: str = "input",
    first_line: int | None = None,
    column: str = CONSUMPTION,
    bounds: tuple[float, float] = DAILY_MWH_BOUNDS,
) -> np.ndarray:
    """Known daily consumption in MWh; a blank or NaN is a day not known yet. A whole day lies
    within `bounds` (`data.quality.daily_mwh_bounds`), a day to the issue time below the upper
    one: ten times or a thousandth of the real figure is a unit error, not a day."""
    text = values.astype(str).str.strip()
    blank = values.isna().to_numpy() | text.isin(["", "nan", "NaN", "None"]).to_numpy()
    numbers = pd.to_numeric(values.where(~blank), errors="coerce").to_numpy(dtype=float)
    bad = ~blank & ~(np.isfinite(numbers) & (numbers > 0))
    _reject_first(
        bad,
        column,
        source,
        first_line,
        lambda row: f"{_shown(values.iloc[row])} is not a consumption in MWh above 0 (or blank)",
    )
    low, high = bounds
    low = low if column == CONSUMPTION else 0.0
    _reject_first(
        ~blank & ((numbers < low) | (numbers > high)),
        column,
        source,
        first_line,
        lambda row: (
            f"{numbers[row]:,.0f} MWh is outside data.quality.daily_mwh_bounds "
            f"[{low:,.0f}, {high:,.0f}]; expected a day of French consumption in MWh"
        ),
    )
    return numbers


def check_part_within_day(whole: np.ndarray, part: np.ndarray, source: str) -> None:
    """A day's consumption to the issue time is part of that day: at most its whole."""
    with np.errstate(invalid="ignore"):
        over = part > whole
    _reject_first(
        over,
        CONSUMPTION_TO_ISSUE,
        source,
        None,
        lambda row: (
            f"{part[row]:,.0f} MWh to the issue time is more than the whole day's "
            f"{whole[row]:,.0f} MWh; expected a part of the day"
        ),
    )


def day_numbers(dates: pd.DatetimeIndex) -> np.ndarray:
    """Dates as whole day numbers, for lookups by date."""
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def at_lags(days: np.ndarray, values: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """values[day - lag] for each row's day number and each lag, found by date: NaN where the
    request lacks that day."""
    first = days.min() - int(lags.max())
    by_day = np.full(days.max() - first + 1, np.nan)
    by_day[days - first] = values
    return by_day[(days - first)[:, None] - lags[None, :]]


def _consumption_lags(
    dates: pd.DatetimeIndex, consumption: np.ndarray, settings: FeatureSettings
) -> dict[str, np.ndarray]:
    """The lags of whole days known at the issue time: from D - complete_lag_days back, and
    D - 7."""
    days, log_consumption = day_numbers(dates), np.log(consumption)
    week = at_lags(days, log_consumption, settings.complete_lag_days + np.arange(7))
    with np.errstate(invalid="ignore"):
        mean = week.mean(axis=1)
    return {
        "log_consumption_lag_h": week[:, 0],
        "log_consumption_lag_7": at_lags(days, log_consumption, np.array([7]))[:, 0],
        "log_consumption_mean_7": mean,
    }


def known_consumption(
    frame: pd.DataFrame, column: str, source: str, bounds: tuple[float, float]
) -> np.ndarray:
    """A request's known daily consumption (`column`), NaN where it is blank or absent."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return checked_consumption(frame[column], source, column=column, bounds=bounds)


def _smoothed(dates: pd.DatetimeIndex, temperature: np.ndarray, halflife: float, window: int):
    """Exponentially weighted mean of the last `window` days' temperature, found by date."""
    past = at_lags(day_numbers(dates), temperature, np.arange(window))
    seen = ~np.isnan(past)
    weights = 0.5 ** (np.arange(window) / halflife)
    return (np.where(seen, past, 0.0) @ weights) / (seen @ weights)


def _checked_inputs(
    frame: pd.DataFrame, features: Sequence[str], settings: FeatureSettings, source: str
) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """The request's dates and the temperatures `features` need, each checked."""
    if unknown := unknown_features(features, settings):
        raise InputError(f"unknown features {unknown}; expected some of {known_features(settings)}")
    missing = [c for c in required_inputs(features) if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing columns {missing}; expected {required_inputs(features)}", source=source
        )
    if len(frame) == 0:
        raise InputError("no rows; expected at least one date", source=source)
    dates = parse_dates(frame["date"], source)
    temps = {
        c: checked_temperature(frame[c], c, source)
        for c in required_inputs(features)
        if c != "date"
    }
    return dates, temps


def _one_row_per_date(dates: pd.DatetimeIndex, source: str, what: str) -> None:
    """Features found by date need each date once."""
    _reject_first(
        dates.duplicated(),
        "date",
        source,
        None,
        lambda row: f"{dates[row].date()} appears twice; {what} need one row per date",
    )


def _smoothed_temperatures(
    dates: pd.DatetimeIndex,
    temps: dict[str, np.ndarray],
    features: Sequence[str],
    settings: FeatureSettings,
    source: str,
) -> dict[str, np.ndarray]:
    """The smoothed temperatures `features` need, from the days the request carries: the
    daily mean's fast and slow smoothings, and the minimum's and maximum's at the fast one."""
    _one_row_per_date(dates, source, "smoothed temperatures")
    fast = settings.smoothing_halflife_days, settings.smoothing_window_days
    slow = settings.slow_smoothing_halflife_days, settings.slow_smoothing_window_days
    smoothings = {
        "smoothed_temperature": (REFERENCE_TEMPERATURE, fast),
        "slow_smoothed_temperature": (REFERENCE_TEMPERATURE, slow),
        "smoothed_min_temperature": (NIGHT_TEMPERATURE, fast),
        "smoothed_max_temperature": (DAY_TEMPERATURE, fast),
    }
    wanted = {
        name
        for name, (column, _) in smoothings.items()
        if column in temps and (name in features or column == REFERENCE_TEMPERATURE)
    }
    return {
        name: _smoothed(dates, temps[column], *smoothing)
        for name, (column, smoothing) in smoothings.items()
        if name in wanted
    }


def _calendar_makers(
    dates: pd.DatetimeIndex, settings: FeatureSettings
) -> dict[str, Callable[[], np.ndarray]]:
    days = dates.to_numpy().astype("datetime64[D]")
    weekday = dates.day_of_week.to_numpy()
    year_fraction = 2 * np.pi * (dates.day_of_year.to_numpy() - 1) / 365.25
    origin = pd.Timestamp(settings.trend_origin)
    # Facts two features share, found once per request.
    holiday = functools.cache(lambda: calendar.is_holiday(days))
    workday = functools.cache(lambda: calendar.is_workday(days))
    year_end = functools.cache(lambda: calendar.is_year_end(days))
    summer = functools.cache(lambda: calendar.summer_holiday(days))
    makers: dict[str, Callable[[], np.ndarray]] = {
        "weekday": lambda: weekday,
        "week": lambda: dates.isocalendar().week.to_numpy().astype(int),
        "month": lambda: dates.month.to_numpy(),
        "year": lambda: dates.year.to_numpy(),
        "is_holiday": lambda: holiday().astype(int),
        # A holiday on a weekend changes little: the weekday levels already took the day off.
        "workday_holiday": lambda: (holiday() & (weekday < 5)).astype(int),
        "is_saturday": lambda: (weekday == 5).astype(int),
        "is_sunday": lambda: (weekday == 6).astype(int),
        "is_bridge": lambda: calendar.is_bridge(days).astype(int),
        "is_year_end": lambda: year_end().astype(int),
        "holiday_eve": lambda: calendar.next_to_holiday(days, 1).astype(int),
        "holiday_after": lambda: calendar.next_to_holiday(days, -1).astype(int),
        "school_holiday": lambda: calendar.school_holiday(days),
        "summer_holiday": lambda: summer(),
        # Breaks empty offices and factories, which are shut on weekends and holidays anyway:
        # on those days the break changes little.
        "year_end_workday": lambda: (year_end() & workday()).astype(int),
        "summer_workday": lambda: summer() * workday(),
        # The 23- and 25-hour days: their energy is scaled to their length
        # (`served.DayLengthScaled`); this says the day's routine is off by an hour too.
        "clock_change": lambda: (calendar.day_hours(dates) != 24).astype(int),
        "trend": lambda: ((dates - origin) / pd.Timedelta(days=365.25)).to_numpy(),
        # Summer time moves the day's routine an hour against the sun: on the wall clock the
        # evening's lighting comes an hour later, which the season's smooth terms cannot jump.
        "summer_time": lambda: _summer_time(dates),
    }
    for day, name in enumerate(WEEKDAY_NAMES[:5]):
        makers[f"is_{name}"] = functools.partial(lambda d: (weekday == d).astype(int), day)
    for k in range(1, settings.fourier_order + 1):
        makers[f"doy_sin{k}"] = functools.partial(np.sin, k * year_fraction)
        makers[f"doy_cos{k}"] = functools.partial(np.cos, k * year_fraction)
    return makers


def _summer_time(dates: pd.DatetimeIndex) -> np.ndarray:
    """1 where Paris is on summer time (UTC+2) at the day's noon."""
    noon = dates + pd.Timedelta(hours=12)
    utc = noon.tz_localize(PARIS).tz_convert("UTC").tz_localize(None)
    return ((noon - utc) == pd.Timedelta(hours=2)).astype(int)


def _temperature_makers(
    temps: dict[str, np.ndarray], smoothed: dict[str, np.ndarray], settings: FeatureSettings
) -> dict[str, Callable[[], np.ndarray]]:
    heating = settings.heating_threshold
    makers: dict[str, Callable[[], np.ndarray]] = {
        "heating_degrees": lambda: np.maximum(0.0, heating - temps[REFERENCE_TEMPERATURE]),
        "cooling_degrees": lambda: np.maximum(
            0.0, temps[REFERENCE_TEMPERATURE] - settings.cooling_threshold
        ),
        "smoothed_heating_degrees": lambda: np.maximum(
            0.0, heating - smoothed["smoothed_temperature"]
        ),
        # Heating grows faster than linearly in the cold (heat pumps lose efficiency).
        "smoothed_heating_degrees_squared": lambda: makers["smoothed_heating_degrees"]() ** 2,
        "slow_heating_degrees": lambda: np.maximum(
            0.0, heating - smoothed["slow_smoothed_temperature"]
        ),
        # Cold nights drive heating that the daily mean smooths away.
        "cold_night_degrees": lambda: np.maximum(
            0.0, settings.night_threshold - temps[NIGHT_TEMPERATURE]
        ),
    }
    for column, values in {**temps, **smoothed}.items():
        makers[column] = _ready(values)
    return makers


def _ready(values: np.ndarray) -> Callable[[], np.ndarray]:
    """A maker of a feature already computed."""
    return lambda: values


def build_features(
    frame: pd.DataFrame,
    features: Sequence[str],
    settings: FeatureSettings = DEFAULTS,
    source: str = "input",
) -> pd.DataFrame:
    """The columns `features`, in order, for each row of `frame` (a `date` and temperatures)."""
    dates, temps = _checked_inputs(frame, features, settings, source)
    smoothed = (
        _smoothed_temperatures(dates, temps, features, settings, source)
        if any(f in LOOKBACK_FEATURES for f in features)
        else {}
    )
    makers = _calendar_makers(dates, settings) | _temperature_makers(temps, smoothed, settings)
    if any(f in CONSUMPTION_FEATURES for f in features):
        _one_row_per_date(dates, source, "consumption lags")
        known = known_consumption(frame, CONSUMPTION, source, settings.daily_mwh_bounds)
        lags = _consumption_lags(dates, known, settings)
        makers |= {name: _ready(values) for name, values in lags.items()}
    return pd.DataFrame({f: makers[f]() for f in features}, index=frame.index)


@contextlib.contextmanager
def request_errors() -> Iterator[None]:
    """A bad request raised inside a served model becomes the error MLflow answers with 400."""
    try:
        yield
    except InputError as err:
        # The scoring server answers an MlflowException with HTTP 400 and its message; any
        # other exception would reach the caller as a generic error.
        raise _refusal()(str(err)) from err


@functools.cache
def _refusal() -> type:
    """MLflow's error for a refused request, keeping its message as raised: the scoring server
    rewrites a model's MlflowException message to start with the whole request frame (1 KB
    and more) before the reason; the answer is the reason, naming the column and row."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

    class RequestRefused(MlflowException):
        def __init__(self, reason: str) -> None:
            self._reason = reason
            super().__init__(reason, error_code=INVALID_PARAMETER_VALUE)

        @property
        def message(self) -> str:
            return self._reason

        @message.setter
        def message(self, value: str) -> None:
            pass  # the server's rewrite, with the frame, is dropped

    return RequestRefused


class FeatureBuilder(TransformerMixin, BaseEstimator):
    """First step of every model: raw inputs (`date`, temperatures) in, the feature set out."""

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "features": ["array-like"],
        "settings": [dict, None],
    }

    def __init__(self, features: Sequence[str] = ("weekday",), settings: dict | None = None):
        self.features = features
        # Plain values, not FeatureSettings: what the saved model holds stays skops-safe.
        self.settings = settings

    def fit(self, X: pd.DataFrame, y: Any = None) -> FeatureBuilder:
        self._validate_params()
        settings = self._settings()
        if unknown := unknown_features(self.features, settings):
            raise ValueError(
                f"features: unknown {unknown}; expected some of {known_features(settings)}"
            )
        self.n_features_in_ = len(required_inputs(self.features))
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        with request_errors():
            return build_features(X, list(self.features), self._settings(), source="request")

    def _settings(self) -> FeatureSettings:
        return FeatureSettings(**(self.settings or {}))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(list(self.features), dtype=object)
