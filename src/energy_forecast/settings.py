"""`params.yaml`, parsed once into typed, frozen settings: the one place defaults live.

Every stage parses the file at its entry (`load`) and hands the library these objects, never
the raw mapping. An unknown key is refused with the closest valid one, a wrong type with the
type expected: a typo can no longer change nothing and say nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from energy_forecast.errors import InputError

PARAMS_FILE = "params.yaml"
LATEST = "latest"
PositiveInt = Annotated[int, Field(gt=0, strict=True)]
Days = Annotated[int, Field(ge=0, strict=True)]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FilesSettings(Frozen):
    consumption: str
    temperature: str


class SyntheticSettings(Frozen):
    seed: Annotated[int, Field(strict=True)] = 42


class OdreSettings(Frozen):
    base_url: str = "https://odre.opendatasoft.com"
    consumption_dataset: str = "consommation-quotidienne-brute"
    temperature_dataset: str = "temperature-quotidienne-regionale"
    timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    retry_backoff_seconds: Annotated[float, Field(ge=0)] = 1.0


class QualityRules(Frozen):
    """`data.quality`: the rule for each known defect of real exports (see `quality`)."""

    conflicting_duplicates: Literal["refile", "first", "error"] = "refile"
    missing_temperature_days: Literal["interpolate", "error"] = "interpolate"
    max_temperature_gap_days: Days = 3
    incomplete_days: Literal["drop", "error"] = "drop"
    max_consumption_gap_days: Days = 3
    non_final_status: Literal["keep", "drop", "error"] = "keep"
    # Plausible French consumption, from the real 2012-2021 exports (half-hours 28,738 to
    # 101,866 MW; days 846,182 to 2,258,194 MWh) with a wide margin: outside is broken data.
    halfhour_mw_bounds: tuple[float, float] = (15_000.0, 130_000.0)
    daily_mwh_bounds: tuple[float, float] = (400_000.0, 3_000_000.0)


class DataSettings(Frozen):
    source: Literal["synthetic", "files", "odre"] = "synthetic"
    start: dt.date
    end: dt.date | Literal["latest"]
    files: FilesSettings
    synthetic: SyntheticSettings = SyntheticSettings()
    odre: OdreSettings = OdreSettings()
    quality: QualityRules = QualityRules()

    @model_validator(mode="after")
    def _start_before_end(self) -> DataSettings:
        if self.end != LATEST and self.start > self.end:
            raise ValueError(f"data.start ({self.start}) is after data.end ({self.end})")
        return self

    @property
    def last_day(self) -> dt.date | None:
        """data.end, or None for `latest` (the last day both exports cover)."""
        return None if self.end == LATEST else self.end


class FeatureComputation(Frozen):
    """The `features` settings that say how features are computed."""

    heating_threshold: float = 15.0
    cooling_threshold: float = 20.0
    night_threshold: float = 10.0
    smoothing_halflife_days: Annotated[float, Field(gt=0)] = 1.0
    smoothing_window_days: PositiveInt = 7
    slow_smoothing_halflife_days: Annotated[float, Field(gt=0)] = 5.0
    slow_smoothing_window_days: PositiveInt = 28
    fourier_order: Annotated[int, Field(ge=0, strict=True)] = 2
    trend_origin: dt.date = dt.date(2000, 1, 1)


class FeatureSettings(FeatureComputation):
    """How features are computed: what a model carries to compute them again when served."""

    # forecast.horizon_days: the consumption lags start that many days before the forecast day.
    horizon_days: Annotated[int, Field(ge=1, le=7, strict=True)] = 1

    def for_model(self) -> dict[str, float | int | str]:
        """Plain values, as the saved model's feature step holds them."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self}


class FeaturesSection(FeatureComputation):
    """`features`: how features are computed, the region weighting, the named feature sets."""

    population_year: Literal[2008, 2019] = 2019
    sets: dict[str, list[str]]


class ForecastSettings(Frozen):
    """The task: forecast day D from consumption up to D - horizon_days, weather up to D."""

    horizon_days: Annotated[int, Field(ge=1, le=7, strict=True)] = 1
    # Bands the served model, the backtest and `predict` return: lower_80, upper_80, ...
    interval_levels: Annotated[list[float], Field(min_length=1)] = [0.8, 0.95]

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

    # tracking: calibrated, then each quantile follows the errors the request's consumption
    # shows; split: the calibration quantiles alone.
    method: Literal["tracking", "split"] = "tracking"
    # A tracking step, in standard deviations of the calibration errors.
    learning_rate: Annotated[float, Field(gt=0)] = 0.5
    # The training period's last days, forecast by a copy fitted on the days before them.
    calibration_days: PositiveInt = 365


class AdaptSettings(Frozen):
    """`adapt`: how a served model follows the consumption it is told (see `adaptation`)."""

    method: Literal["kalman", "none"] = "kalman"
    feature_set: str = "dayahead"
    # Per-day variance of each standardized coefficient, relative to the observation noise;
    # with several, the training period's last `selection_days` choose one (0: no tracking).
    state_noise: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)] = [
        0.0,
        0.003,
        0.01,
        0.03,
        0.1,
        0.3,
    ]
    # Variance of a day's log error; `auto`: the base model's, out of sample, on the training
    # period's last `selection_days` (fitted on the days before them).
    observation_noise: Annotated[float, Field(gt=0)] | Literal["auto"] = "auto"
    selection_days: PositiveInt = 365
    warmup_days: PositiveInt = 90


class BacktestSettings(Frozen):
    """`backtest`: rolling origins over start..end, refitting every refit_days."""

    start: dt.date
    end: dt.date
    refit_days: PositiveInt = 30
    # Training days before each origin; null: every day before it.
    train_days: PositiveInt | None = 1095

    @model_validator(mode="after")
    def _start_before_end(self) -> BacktestSettings:
        if self.start > self.end:
            raise ValueError(f"backtest.start ({self.start}) is after backtest.end ({self.end})")
        return self


class SplitSettings(Frozen):
    test_start: dt.date
    test_end: dt.date

    @model_validator(mode="after")
    def _start_before_end(self) -> SplitSettings:
        if self.test_start > self.test_end:
            raise ValueError(
                f"split.test_start ({self.test_start}) is after split.test_end ({self.test_end})"
            )
        return self


class CvSettings(Frozen):
    folds: Annotated[int, Field(ge=2, strict=True)] = 3
    min_train_days: PositiveInt = 365


class SelectSettings(Frozen):
    metric: Literal["rmse", "mae", "mape"] = "rmse"
    # What `model: auto` promotes by: the served model's day-ahead error on the training
    # period's held-out days (when it adapts), or the static model's CV `metric`.
    forecast: Literal["dayahead", "static"] = "dayahead"
    # Whether `select` under `dvc exp run` moves @champion; otherwise `energy-forecast promote`.
    promote_experiments: bool = False


class FamilySettings(Frozen):
    feature_sets: list[str]
    grid: dict[str, list[Any]] = {}
    # PTG's parameter bounds: a family setting that is not a grid axis.
    bounds: dict[str, tuple[float, float]] | None = None


class ComputeSettings(Frozen):
    """`compute`: where the configuration search and the backtest's refits run."""

    backend: Literal["local", "dask"] = "local"
    # The address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (backend: dask).
    scheduler: str | None = None

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
    registered_model: str = "electricity-consumption-forecast"


class Settings(Frozen):
    data: DataSettings
    features: FeaturesSection
    split: SplitSettings
    cv: CvSettings = CvSettings()
    model: str = "auto"
    select: SelectSettings = SelectSettings()
    families: dict[str, FamilySettings]
    mlflow: MlflowSettings = MlflowSettings()
    compute: ComputeSettings = ComputeSettings()
    forecast: ForecastSettings = ForecastSettings()
    adapt: AdaptSettings = AdaptSettings()
    intervals: IntervalSettings = IntervalSettings()
    backtest: BacktestSettings

    @property
    def computation(self) -> FeatureSettings:
        """How features are computed: what every model carries to compute them again."""
        values = {n: getattr(self.features, n) for n in FeatureComputation.model_fields}
        return FeatureSettings(**values, horizon_days=self.forecast.horizon_days)

    @model_validator(mode="after")
    def _known_families(self) -> Settings:
        from energy_forecast.families import FAMILIES

        unknown = [n for n in self.families if n not in FAMILIES]
        if unknown or not self.families:
            raise ValueError(f"families: expected families among {list(FAMILIES)}, got {unknown}")
        if self.model not in ("auto", *self.families):
            raise ValueError(f"model: expected 'auto' or one of {list(self.families)}")
        return self


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


def _message(error: dict[str, Any]) -> str:
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
        return error["msg"].removeprefix("Value error, ")
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
