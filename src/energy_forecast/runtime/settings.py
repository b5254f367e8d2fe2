"""`params.yaml`, parsed once into typed, frozen settings: the one place defaults live.

Every stage parses the file at its entry (`load`) and hands the library these objects, never
the raw mapping. An unknown key is refused with the closest valid one, a wrong type with the
type expected: a typo cannot change nothing and say nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import DAILY_MWH_BOUNDS
from energy_forecast.core.settings import (
    FeatureComputation,
    FeatureSettings,
    Frozen,
    IssueTime,
    PositiveInt,
    check_week_before_is_whole,
)

PARAMS_FILE = "params.yaml"
LATEST = "latest"
Days = Annotated[int, Field(ge=0, strict=True)]


class FilesSettings(Frozen):
    consumption: str | Annotated[list[str], Field(min_length=1)]
    """The consumption export for `source: files`, under data/external/: ODRÉ's
    `consommation-quotidienne-brute`, or the series RTE forecasts (ENTSO-E's Total Load,
    eCO2mix national); a file, a glob or a list of them (one file per year), joined in order."""
    temperature: str
    """The regional temperature export for `source: files`, under data/external/ (an ODRÉ
    `temperature-quotidienne-regionale` CSV)."""
    temperature_forecast: str | None = None
    """A temperature forecast file (its format: docs/forecasting.md), under data/external/ for
    `ingest`'s archive (`backtest.weather: forecast`); `energy-forecast forecast` reads it when
    not given `--weather`. null: none."""


class SyntheticSettings(Frozen):
    seed: Annotated[int, Field(strict=True)] = 42
    """The generator's seed: the same seed gives the same bytes."""


class OdreSettings(Frozen):
    base_url: str = "https://odre.opendatasoft.com"
    """The ODRÉ portal (a mirror or a test server can stand in)."""
    consumption_dataset: str = "consommation-quotidienne-brute"
    """The consumption dataset's id on the portal: `consommation-quotidienne-brute`, or the
    series RTE forecasts with its J-1 forecast, `eco2mix-national-cons-def` (consolidated and
    final) or `eco2mix-national-tr` (real time)."""
    temperature_dataset: str = "temperature-quotidienne-regionale"
    """The temperature dataset's id on the portal."""
    timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    """Seconds a request may take."""
    retry_backoff_seconds: Annotated[float, Field(ge=0)] = 1.0
    """The first wait between retries, doubled each time (3 retries)."""


class OpenMeteoSettings(Frozen):
    forecast_url: str = "https://api.open-meteo.com/v1/forecast"
    """Open-Meteo's Forecast API: the latest forecast, for a forecast issued now."""
    previous_runs_url: str = "https://previous-runs-api.open-meteo.com/v1/forecast"
    """Open-Meteo's Previous Runs API: the forecasts as issued 1 to 7 days before, for a
    forecast issued in the past (archived from January 2024; GFS 2 m temperature from 2021)."""
    model: str = "gfs_seamless"
    """The weather model asked for (Open-Meteo's `models`): GFS, the one archived furthest back."""
    publication_hours: Annotated[float, Field(ge=0, le=24)] = 6.0
    """Hours between a run's start and its values being public: a value forecast N days before
    its hour counts as issued N days before it plus this."""
    timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    """Seconds a request may take."""
    retry_backoff_seconds: Annotated[float, Field(ge=0)] = 1.0
    """The first wait between retries, doubled each time (3 retries)."""


class QualityRules(Frozen):
    """`data.quality`: the rule for each known defect of real exports (see `quality`)."""

    conflicting_duplicates: Literal["refile", "first", "error"] = "refile"
    """Two different rows for one half-hour: `refile` moves one to the missing half-hour its value
    fits, `first` keeps the first line, `error` stops."""
    missing_temperature_days: Literal["interpolate", "error"] = "interpolate"
    """A region's missing days: `interpolate` (up to `max_temperature_gap_days`), or `error`."""
    max_temperature_gap_days: Days = 3
    """Longest run of a region's missing days that is interpolated."""
    max_missing_halfhours: Annotated[int, Field(ge=0, le=12, strict=True)] = 4
    """A 23- or 24-hour day missing at most this many half-hours is completed by interpolation
    in time between its neighbours, and counted; 0: never."""
    incomplete_days: Literal["drop", "error"] = "drop"
    """A day short of more half-hours, or absent: `drop` (counted by reason), or `error`."""
    max_consumption_gap_days: Days = 3
    """Longest run of days left out before it is an error."""
    non_final_status: Literal["keep", "drop", "error"] = "keep"
    """`Consolidé` and `Temps réel` rows: `keep`, `drop` (their days), or `error`."""
    halfhour_mw_bounds: tuple[float, float] = (15_000.0, 130_000.0)
    """Plausible half-hours in MW (the real 2012-2021 exports span 28,738 to 101,866): outside is
    broken data."""
    daily_mwh_bounds: tuple[float, float] = DAILY_MWH_BOUNDS
    """Plausible days in MWh (real: 846,182 to 2,258,194), in exports and in requests (the
    served model carries them)."""


class DataSettings(Frozen):
    source: Literal["synthetic", "files", "odre"] = "synthetic"
    """Where `ingest` gets the two exports: `synthetic` (generated, offline), `files`
    (data/external/) or `odre` (downloaded)."""
    start: dt.date
    """The first Paris day kept, inclusive."""
    end: dt.date | Literal["latest"]
    """The last Paris day kept, inclusive; `latest`: the last day both exports cover completely."""
    files: FilesSettings
    """The exports `source: files` reads."""
    synthetic: SyntheticSettings = SyntheticSettings()
    """The generated data of `source: synthetic`."""
    odre: OdreSettings = OdreSettings()
    """The portal `source: odre` downloads from."""
    weather_forecast: Literal["files", "openmeteo"] = "files"
    """Where temperature forecasts come from, for `energy-forecast forecast` (without
    `--weather`) and for `ingest`'s archive with `backtest.weather: forecast`: `files`
    (data.files.temperature_forecast) or `openmeteo` (downloaded, data.openmeteo). Generated
    data (`source: synthetic`) bring their own."""
    openmeteo: OpenMeteoSettings = OpenMeteoSettings()
    """The weather-forecast service of `weather_forecast: openmeteo`."""
    quality: QualityRules = QualityRules()
    """The rule for each known defect of real exports."""

    @model_validator(mode="after")
    def _start_before_end(self) -> DataSettings:
        if isinstance(self.end, dt.date) and self.start > self.end:
            raise ValueError(f"data.start ({self.start}) is after data.end ({self.end})")
        return self

    @property
    def last_day(self) -> dt.date | None:
        """data.end, or None for `latest` (the last day both exports cover)."""
        return self.end if isinstance(self.end, dt.date) else None


class FeaturesSection(FeatureComputation):
    """`features`: how features are computed, the region weighting, the named feature sets."""

    population_year: Literal[2008, 2019] = 2019
    """The INSEE population estimate that weights the regions: 2008 or 2019."""
    sets: dict[str, list[str]]
    """Named feature sets: the article's (`all`, `calendar`, `weather`, `mean_avg`, `mean_wavg`),
    then `load`, `special` (`load` and the days around holidays and school holidays),
    `ptg_calendar`, `dayahead` (`load` and the consumption lags), `profile` (the curve's
    shape: day types, season and the day's temperature). A set may name another set
    among its columns: it stands for that set's columns, so each list is written once."""

    @field_validator("sets")
    @classmethod
    def _expanded(cls, sets: dict[str, list[str]]) -> dict[str, list[str]]:
        def columns(name: str, through: tuple[str, ...]) -> list[str]:
            if name in through:
                cycle = " -> ".join((*through, name))
                raise ValueError(f"features.sets.{through[0]}: names itself through {cycle}")
            out: list[str] = []
            for entry in sets[name]:
                out += columns(entry, (*through, name)) if entry in sets else [entry]
            return out

        return {name: columns(name, ()) for name in sets}


class ForecastSettings(Frozen):
    """The task: forecast day D from consumption up to D - horizon_days, weather up to D."""

    horizon_days: Annotated[int, Field(ge=1, le=7, strict=True)] = 1
    """Day D is forecast from the consumption up to D - horizon_days and the weather up to D."""
    issue_time: IssueTime | None = "09:00"
    """Paris wall-clock "HH:MM" on D - horizon_days when the forecast for D is issued: it knows
    that day's consumption up to the last half-hour ended by then. `null`: that whole day is
    known."""
    interval_levels: Annotated[list[float], Field(min_length=1)] = [0.8, 0.95]
    """Bands returned beside the forecast: `lower_80`, `upper_80`, `lower_95`, `upper_95` for 0.8
    and 0.95."""

    @model_validator(mode="after")
    def _week_before_is_whole(self) -> ForecastSettings:
        check_week_before_is_whole(self.horizon_days, self.issue_time)
        return self

    @model_validator(mode="after")
    def _levels_are_probabilities(self) -> ForecastSettings:
        levels = self.interval_levels
        if any(not 0 < level < 1 for level in levels) or len(set(levels)) != len(levels):
            raise ValueError(
                "forecast.interval_levels: expected distinct probabilities strictly between 0 "
                f"and 1 (a band's share of days, e.g. [0.8, 0.95]), got {levels}"
            )
        return self


class IntervalSettings(Frozen):
    """`intervals`: how the bands are calibrated and follow the errors (see `intervals`)."""

    method: Literal["tracking", "split"] = "tracking"
    """`tracking`: calibrated, then each quantile follows the calibration days' errors in order,
    and those the request's consumption shows; `split`: the calibration quantiles alone."""
    learning_rate: Annotated[float, Field(gt=0)] = 0.5
    """A tracking step, in standard deviations of the calibration errors."""
    calibration_days: PositiveInt = 365
    """The training period's last days, forecast by a copy fitted on the days before them,
    calibrate the bands."""
    weather: Literal["observed", "simulated", "forecast"] = "simulated"
    """The temperatures the calibration days are forecast with, each day asked as issued:
    `simulated`, the observed ones plus the weather-forecast error model's errors
    (`weather_error`); `forecast`, the archive `ingest` writes
    (data/raw/temperature_forecast.csv); `observed`, the observed ones (bands too narrow for a
    forecast made with a weather forecast)."""
    weather_error: Annotated[float, Field(gt=0)] = 0.7
    """°C: the standard deviation of the error model's day-ahead forecast of the national
    temperature (`weather: simulated`); the day of issue's is 5/7 of it, two days ahead 10/7."""


class AdaptSettings(Frozen):
    """`adapt`: how a served model follows the consumption it is told (see `adaptation`)."""

    method: Literal["kalman", "none"] = "kalman"
    """`kalman`: the served model tracks a linear correction of its log error day by day; `none`:
    the static forecast."""
    feature_set: str = "dayahead"
    """What the correction is linear in (a set of `features.sets`, consumption lags included)."""
    state_noise: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)] = [
        0.0,
        0.003,
        0.01,
        0.03,
        0.1,
        0.3,
    ]
    """Per-day variance of each standardized coefficient, relative to the observation noise; with
    several, the training period's last `selection_days` choose one (0: no tracking)."""
    observation_noise: Annotated[float, Field(gt=0)] | Literal["auto"] = "auto"
    """Variance of a day's log error; `auto`: the base model's, out of sample, on the last
    `selection_days` of the training period."""
    selection_days: PositiveInt = 365
    """The training period's last days that choose the state noise."""
    warmup_days: PositiveInt = 90
    """Days of history a forecast starts from (a served request's too)."""


class AggregateSettings(Frozen):
    """`aggregate`: the online aggregation of experts (see `aggregation`), a candidate beside
    the families."""

    experts: list[str] = ["ridge", "gbm", "blend", "ptg"]
    """The families whose best configurations, each adapting at every `adapt.state_noise`,
    are aggregated; those `families` does not train are left out, and the report and the
    MLflow run list those used. []: no aggregate; none either with `adapt.method: none`."""
    rules: Annotated[list[Literal["mlpoly", "boa", "ewa"]], Field(min_length=1)] = [
        "mlpoly",
        "boa",
        "ewa",
    ]
    """The aggregation rules tried; the one whose aggregate forecast the training period's
    held-out days best is served."""
    learning_rate: Annotated[float, Field(gt=0)] = 100.0
    """`ewa`'s learning rate, per unit of the linearized relative square loss."""


class BacktestSettings(Frozen):
    """`backtest`: rolling origins over start..end, refitting every refit_days."""

    start: dt.date | None = None
    """First day forecast by the rolling-origin backtest; null: split.test_start."""
    end: dt.date | None = None
    """Last day forecast; null: split.test_end (the last day of the data for `latest`)."""
    refit_days: PositiveInt = 30
    """The selected configuration is refitted every this many days."""
    train_days: PositiveInt | None = None
    """Training days before each origin; null: every day before it, as the served model is
    fitted on every day of the data."""
    weather: Literal["observed", "forecast"] = "observed"
    """The temperatures of the days each forecast is issued ahead of: `observed` (an upper
    bound on accuracy, as a backcast with actual weather) or `forecast`, each day's as
    forecast by its issue time, from the archive `ingest` writes
    (data/raw/temperature_forecast.csv)."""


class CurveSettings(Frozen):
    """`curve`: the load curve of D, the daily forecast shaped by a profile of its intervals."""

    feature_set: str = "profile"
    """The feature set (of `features.sets`) each interval's share of the day is regressed on."""
    interactions: list[str] = ["is_saturday", "is_sunday", "workday_holiday", "heating_degrees"]
    """Features whose effect on the shape changes with the season: each is also multiplied by
    every day-of-year term (`doy_*`) of the feature set."""
    alphas: Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=1)] = [
        0.3,
        1.0,
        3.0,
        10.0,
    ]
    """The profile's ridge penalties tried; the one with the lowest CV error on training days
    is used."""


class SplitSettings(Frozen):
    test_start: dt.date
    """The test period, read once by `evaluate`, starts here; training is the days from
    data.start whole when its first forecast is issued (to test_start - 2 at 09:00 on D-1)."""
    test_end: dt.date | Literal["latest"]
    """The last day of the test period; `latest`: the last day of the data, as `data.end:
    latest` finds it."""

    @model_validator(mode="after")
    def _start_before_end(self) -> SplitSettings:
        if isinstance(self.test_end, dt.date) and self.test_start > self.test_end:
            raise ValueError(
                f"split.test_start ({self.test_start}) is after split.test_end ({self.test_end})"
            )
        return self

    @property
    def last_day(self) -> dt.date | None:
        """split.test_end, or None for `latest` (the last day of the data)."""
        return self.test_end if isinstance(self.test_end, dt.date) else None


class CvSettings(Frozen):
    folds: Annotated[int, Field(ge=2, strict=True)] = 3
    """Expanding-window time-series folds inside the training period."""
    min_train_days: PositiveInt = 365
    """The first fold trains on at least this many days, so that every fold saw a winter."""


class SelectSettings(Frozen):
    metric: Literal["rmse", "mae", "mape"] = "rmse"
    """The CV score a family's best configuration is chosen by."""
    forecast: Literal["dayahead", "static"] = "dayahead"
    """What `model: auto` selects by: `dayahead`, the served model's day-ahead MAPE on the
    training period's held-out days (when it adapts), or `static`, the CV `metric`."""
    promote_experiments: bool = False
    """Whether `select` under `dvc exp run` moves @champion (otherwise `energy-forecast promote
    N`)."""


class FamilySettings(Frozen):
    feature_sets: list[str]
    """The feature sets the family's grid is crossed with."""
    grid: dict[str, list[Any]] = {}
    """The family's settings, each a list of values to try."""
    bounds: dict[str, tuple[float, float]] | None = None
    """PTG's parameter bounds (MWh/day and °C): a family setting that is not a grid axis."""


class ComputeSettings(Frozen):
    """`compute`: where the configuration search and the backtest's refits run."""

    backend: Literal["local", "dask"] = "local"
    """Where the search and the backtest's refits run: `local`, here (the search one fit after
    another, the backtest's windows on one process per core this process may use, at most
    `LOKY_MAX_CPU_COUNT`), or `dask`, on the cluster at `scheduler`."""
    scheduler: str | None = None
    """A running Dask scheduler's address, e.g. tcp://10.0.0.5:8786 (backend: dask)."""

    @model_validator(mode="after")
    def _dask_needs_a_scheduler(self) -> ComputeSettings:
        if self.backend == "dask" and not self.scheduler:
            raise ValueError(
                "compute.scheduler: expected the address of a running Dask scheduler "
                "(e.g. tcp://127.0.0.1:8786) with compute.backend: dask"
            )
        return self


class MlflowSettings(Frozen):
    experiment: str = "electricity-consumption-forecast"
    """The MLflow experiment every run is logged to."""
    registered_model: str = "electricity-consumption-forecast"
    """The registered model `select` adds versions to."""


class Settings(Frozen):
    data: DataSettings
    """Where the data come from and which days are kept."""
    features: FeaturesSection
    """How features are computed, and the named feature sets."""
    split: SplitSettings
    """The training and test periods."""
    cv: CvSettings = CvSettings()
    """Cross-validation inside the training period."""
    model: str = "auto"
    """What `select` serves: `auto` (the best on training days), a family's name, or
    `aggregate`."""
    select: SelectSettings = SelectSettings()
    """How a configuration and a family are chosen."""
    families: dict[str, FamilySettings]
    """The model families and their grids."""
    mlflow: MlflowSettings = MlflowSettings()
    """Where runs and models are logged."""
    compute: ComputeSettings = ComputeSettings()
    """Where the search and the backtest run."""
    forecast: ForecastSettings = ForecastSettings()
    """The forecasting task."""
    adapt: AdaptSettings = AdaptSettings()
    """How the served model adapts to the consumption it is told."""
    intervals: IntervalSettings = IntervalSettings()
    """How the bands are made."""
    aggregate: AggregateSettings = AggregateSettings()
    """The online aggregation of the families' best configurations."""
    backtest: BacktestSettings
    """The rolling-origin day-ahead backtest of the selected configuration."""
    curve: CurveSettings = CurveSettings()
    """The load curve: the daily forecast shaped interval by interval."""

    @property
    def feature_settings(self) -> FeatureSettings:
        """How features are computed: what every model carries to compute them again."""
        values = {n: getattr(self.features, n) for n in FeatureComputation.model_fields}
        forecast = self.forecast
        return FeatureSettings(
            **values,
            horizon_days=forecast.horizon_days,
            issue_time=forecast.issue_time,
            daily_mwh_bounds=self.data.quality.daily_mwh_bounds,
        )

    @property
    def backtest_window(self) -> tuple[dt.date, dt.date | None]:
        """The days the backtest forecasts: backtest.start..backtest.end, the test period where
        they are null; an end of None is the last day of the data."""
        return (
            self.backtest.start or self.split.test_start,
            self.backtest.end or self.split.last_day,
        )

    @model_validator(mode="after")
    def _backtest_window_in_order(self) -> Settings:
        start, end = self.backtest_window
        if end is not None and start > end:
            raise ValueError(f"backtest.start ({start}) is after backtest.end ({end})")
        return self

    @model_validator(mode="after")
    def _simulated_leads(self) -> Settings:
        if self.intervals.weather == "simulated" and self.forecast.horizon_days > 2:
            raise ValueError(
                "intervals.weather: simulated models weather forecasts up to 2 days ahead, "
                f"forecast.horizon_days is {self.forecast.horizon_days}: set intervals.weather "
                "to forecast (an archive of real forecasts) or observed"
            )
        return self

    @model_validator(mode="after")
    def _known_features(self) -> Settings:
        # Every set, used or not: a typo is refused before any stage runs, not by the first
        # stage that reads that set.
        from energy_forecast.core.feature_names import known_features, unknown_features

        if shadowing := sorted(
            set(known_features(self.feature_settings)) & set(self.features.sets)
        ):
            raise ValueError(f"features.sets: {shadowing} are features, not names for a set")
        for name, columns in self.features.sets.items():
            if unknown := unknown_features(columns, self.feature_settings):
                known = known_features(self.feature_settings)
                raise ValueError(
                    f"features.sets.{name}: expected columns among {known}, got {unknown}"
                )
        return self

    @model_validator(mode="after")
    def _known_curve_set(self) -> Settings:
        if self.curve.feature_set not in self.features.sets:
            raise ValueError(
                f"curve.feature_set: expected one of features.sets {list(self.features.sets)}, "
                f"got {self.curve.feature_set!r}"
            )
        from energy_forecast.core.feature_names import unknown_features

        if unknown := unknown_features(self.curve.interactions, self.feature_settings):
            raise ValueError(f"curve.interactions: expected features, got {unknown}")
        return self

    @model_validator(mode="after")
    def _known_families(self) -> Settings:
        from energy_forecast.core.families import FAMILIES

        unknown = [n for n in self.families if n not in FAMILIES]
        if unknown or not self.families:
            raise ValueError(f"families: expected families among {list(FAMILIES)}, got {unknown}")
        if unknown := [n for n in self.aggregate.experts if n not in FAMILIES]:
            raise ValueError(
                f"aggregate.experts: expected families among {list(FAMILIES)}, got {unknown}"
            )
        if self.model not in ("auto", *self.candidates):
            raise ValueError(f"model: expected 'auto' or one of {self.candidates}")
        return self

    @property
    def experts(self) -> list[str]:
        """The families aggregated: those of `aggregate.experts` that `families` trains; none
        with `adapt.method: none` (the experts are adapting models)."""
        if self.adapt.method == "none":
            return []
        return [n for n in self.aggregate.experts if n in self.families]

    @property
    def candidates(self) -> list[str]:
        """What `select` chooses among: the families, and `aggregate` when it has experts."""
        return [*self.families, *(["aggregate"] if self.experts else [])]


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The settings class that holds the key at `loc`, for suggesting a close valid key."""
    for part in loc[:-1]:
        field = model.model_fields.get(str(part)) if isinstance(part, str) else None
        if field is None:
            # A mapping's value (a family's settings) sits one level below its key.
            return FamilySettings if loc and loc[0] == "families" else None
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return model


_TYPE_TAGS = {"date", "int", "float", "str", "bool", "list", "dict", "tuple"}


def _key(loc: tuple[Any, ...]) -> str:
    """The dotted params key of an error, without the type tags pydantic adds inside unions."""
    return ".".join(str(p) for p in loc if not (p in _TYPE_TAGS or "[" in str(p)))


def _message(error: ErrorDetails) -> str:
    key = _key(error["loc"])
    if error["type"] == "extra_forbidden":
        holder = _model_at(Settings, error["loc"])
        valid = list(holder.model_fields) if holder else []
        close = difflib.get_close_matches(str(error["loc"][-1]), valid, n=1)
        hint = (
            f"; did you mean {'.'.join([*map(str, error['loc'][:-1]), close[0]])}?" if close else ""
        )
        return f"{key}: unknown setting{hint} (valid here: {valid})"
    if error["type"] == "missing":
        return f"{key}: missing setting"
    if error["type"] == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        # A model's own check names its keys; a field's check names none.
        return message if message.startswith(key) else f"{key}: {message}"
    return f"{key}: {error['msg'].lower()}, got {error['input']!r}"


def parse(params: dict[str, Any], source: str = PARAMS_FILE) -> Settings:
    """Typed settings from the mapping in `params.yaml`, or one error naming every bad key."""
    try:
        return Settings.model_validate(params)
    except ValidationError as err:
        by_key: dict[str, list[str]] = {}
        for error in err.errors(include_url=False):
            by_key.setdefault(_key(error["loc"]), []).append(_message(error))
        # A union (a date or 'latest') fails once per member: one line for the key.
        problems = [
            messages[0]
            if len(messages) == 1
            else " or ".join(
                [messages[0].rsplit(", got ", 1)[0], *(m.split(": ", 1)[1] for m in messages[1:])]
            )
            for messages in by_key.values()
        ]
        raise InputError("; ".join(problems), source=source) from None


def load(path: str | Path = PARAMS_FILE) -> Settings:
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("not found; run from the repository root", source=str(path)) from None
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML: {err}", source=str(path)) from None
    if not isinstance(params, dict):
        raise InputError("expected a mapping of settings", source=str(path))
    return parse(params, str(path))
