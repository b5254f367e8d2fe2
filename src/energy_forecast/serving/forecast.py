"""`energy-forecast forecast`: one day's forecast and its bands, as a forecaster issues it.

The forecast for day D is issued at the model's issue time on D - horizon_days (the MLmodel
metadata say which). It is told what was known then and nothing later:
- the consumption export (`data/raw/consumption.csv` by default), cut there: the whole days up
  to the last one ended, and the issue day's half-hours ended by the issue time;
- the observed regional temperatures (`data/raw/temperature.csv` by default) of the days ended
  before the issue day;
- for the issue day to D, a weather forecast (`--weather`, or `data.files.temperature_forecast`)
  issued by the issue time: the latest such forecast of each region and day.
The request is the one `mlflow models serve` takes (the `adapt.warmup_days` days before D, then
D), so the served model answers it alike. The forecast is logged as an MLflow run `forecast`
with what it was made from, to be scored once D is known.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_forecast import paths
from energy_forecast.atomic import atomic_path
from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION, CONSUMPTION_TO_ISSUE, PARIS
from energy_forecast.core.settings import issue_minutes
from energy_forecast.data.parsing import (
    read_consumption,
    read_temperature,
    read_temperature_forecast,
)
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.modeling.saving import (
    FORECAST_METADATA,
    forecast_metadata,
    required_columns,
)
from energy_forecast.serving.batch import load_served_model
from energy_forecast.settings import Settings
from energy_forecast.tracking import lineage, store

log = logging.getLogger(__name__)

OUTPUT_FORMATS = (".csv", ".json")


@dataclass(frozen=True)
class Issue:
    """When the forecast for `day` is issued: `horizon_days` before, at `issue_time` (Paris
    wall-clock; None: at the end of that day)."""

    day: pd.Timestamp
    horizon_days: int
    issue_time: str | None

    @property
    def issue_day(self) -> pd.Timestamp:
        return self.day - pd.Timedelta(days=self.horizon_days)

    @property
    def instant(self) -> pd.Timestamp:
        """The issue instant, in UTC."""
        if self.issue_time is None:
            local = self.issue_day + pd.Timedelta(days=1)
        else:
            local = self.issue_day + pd.Timedelta(minutes=issue_minutes(self.issue_time))
        # A time the clock change skips is the next one; one it repeats, the first.
        paris = local.tz_localize(PARIS, ambiguous=True, nonexistent="shift_forward")
        return paris.tz_convert("UTC")

    @property
    def last_whole_day(self) -> pd.Timestamp:
        """The last day whose whole consumption and observed temperatures are known."""
        return self.issue_day - pd.Timedelta(days=int(self.issue_time is not None))

    def describe(self) -> str:
        local = self.instant.tz_convert(PARIS)
        return f"{local:%Y-%m-%d %H:%M} Paris time"


def issue_of(day: pd.Timestamp | None, metadata: Any) -> Issue:
    """The issue of the forecast for `day` by a model whose MLmodel is `metadata`; for None, of
    the day it forecasts when issued today (Paris), tomorrow at horizon 1."""
    forecast = forecast_metadata(metadata)
    if not forecast:
        raise InputError(
            f"the model's MLmodel metadata carry no '{FORECAST_METADATA}' (horizon_days, "
            "issue_time); expected a model logged by this project's train stage"
        )
    horizon = int(forecast["horizon_days"])
    if day is None:
        today = pd.Timestamp.now(tz=PARIS).tz_localize(None).normalize()
        day = today + pd.Timedelta(days=horizon)
    return Issue(day, horizon, forecast.get("issue_time"))


def _known_consumption(path: Path, issue: Issue, settings: Settings) -> pd.DataFrame:
    """The whole days' consumption to the last whole day, and each day's to the issue time up to
    the issue day; an error if the export stops before the issue time."""
    days = read_consumption(path, settings.data.quality, issue.issue_time)
    whole = days.table[CONSUMPTION]
    whole = whole[whole.index <= issue.last_whole_day]
    known = pd.DataFrame({CONSUMPTION: whole})
    last = whole.index.max() if len(whole) else None
    short = last is None or last < issue.last_whole_day
    if issue.issue_time is not None:
        part = days.days[CONSUMPTION_TO_ISSUE]
        known = known.join(part[part.index <= issue.issue_day], how="outer")
        short = short or pd.isna(part.get(issue.issue_day, np.nan))
    if short:
        ends = "holds no complete day" if last is None else f"is complete to {last.date()}"
        raise InputError(
            f"the consumption {ends}; the forecast for {issue.day.date()}, issued "
            f"{issue.describe()}, needs every half-hour to then",
            source=str(path),
        )
    return known


def _temperatures(
    observed: Path, weather: Path, issue: Issue, first: pd.Timestamp, settings: Settings
) -> pd.DataFrame:
    """National temperatures from `first` to D: observed to the last whole day, then the
    weather forecast issued by the issue time."""
    rules = settings.data.quality
    gap = 0 if rules.missing_temperature_days == "error" else rules.max_temperature_gap_days
    regional = read_temperature(observed)
    if regional["date"].max() < issue.last_whole_day:
        raise InputError(
            f"the observed temperatures end on {regional['date'].max().date()}; the forecast "
            f"for {issue.day.date()}, issued {issue.describe()}, needs them to "
            f"{issue.last_whole_day.date()} and the weather forecast from the day after",
            source=str(observed),
        )
    year = settings.features.population_year
    past = national_temperatures(regional, year, first, issue.last_whole_day, str(observed), gap)
    forecast_days = pd.date_range(issue.last_whole_day + pd.Timedelta(days=1), issue.day)
    regional = read_temperature_forecast(weather, issue.instant)
    for day in forecast_days:
        regions = set(regional.loc[regional["date"] == day, "region"])
        if missing := sorted(set(REGIONS) - regions):
            raise InputError(
                f"no forecast of {day.date()} issued by {issue.describe()} for regions "
                f"{missing}; the forecast for {issue.day.date()} needs every region's "
                f"temperatures from {forecast_days[0].date()} to {issue.day.date()}",
                source=str(weather),
            )
    # A forecast day is never interpolated from its neighbours: it is forecast or refused.
    ahead = national_temperatures(regional, year, forecast_days[0], issue.day, str(weather), 0)
    return pd.concat([past, ahead]).drop(columns="temperature_imputed")


def forecast_request(
    issue: Issue,
    columns: list[str],
    consumption: Path,
    temperature: Path,
    weather: Path,
    settings: Settings,
) -> pd.DataFrame:
    """The request for D as it stands at the issue time: the warm-up days, then D."""
    first = issue.day - pd.Timedelta(days=settings.adapt.warmup_days)
    known = _known_consumption(consumption, issue, settings)
    temperatures = _temperatures(temperature, weather, issue, first, settings)
    request = temperatures.rename_axis("date").reset_index()
    request = request[[c for c in columns if c in request.columns or c == "date"]]
    for column in known.columns:
        request[column] = request["date"].map(known[column]).to_numpy(dtype=float)
    request["date"] = request["date"].dt.strftime("%Y-%m-%d")
    return request


def _model_version(model_uri: str) -> str:
    """The registered version a `models:/name@alias` or `models:/name/N` URI points at."""
    import mlflow

    name, _, ref = model_uri.removeprefix("models:/").partition("@")
    if ref:
        return mlflow.MlflowClient().get_model_version_by_alias(name, ref).version
    return model_uri.rsplit("/", 1)[-1] if model_uri.startswith("models:/") else ""


def forecast(
    root: Path,
    settings: Settings,
    day: pd.Timestamp | None,
    model_uri: str,
    weather: Path,
    consumption: Path | None = None,
    temperature: Path | None = None,
    output: Path | None = None,
) -> pd.DataFrame:
    """The forecast for `day` (None: the next one issued today) with its bands; logged as the
    MLflow run `forecast`."""
    import mlflow

    if output is not None and output.suffix not in OUTPUT_FORMATS:
        raise InputError(f"expected a file ending in {OUTPUT_FORMATS}", source=str(output))
    consumption = consumption or root / paths.RAW_CONSUMPTION
    temperature = temperature or root / paths.RAW_TEMPERATURE
    experiment_id = store.configure(root, settings.mlflow.experiment)
    model = load_served_model(model_uri)
    issue = issue_of(day, model.metadata)
    columns = required_columns(model.metadata)
    request = forecast_request(issue, columns, consumption, temperature, weather, settings)
    answer = model.predict(request).iloc[[-1]].reset_index(drop=True)
    table = pd.concat([request[["date"]].iloc[[-1]].reset_index(drop=True), answer], axis=1)
    issued = issue.instant.tz_convert(PARIS).isoformat()
    inputs = {"consumption": consumption, "temperature": temperature, "weather": weather}
    with mlflow.start_run(experiment_id=experiment_id, run_name="forecast"):
        mlflow.set_tags(
            {f"forecast.{name}.md5": lineage.md5(path) for name, path in inputs.items()}
            | {f"forecast.{name}.path": str(path) for name, path in inputs.items()}
        )
        mlflow.log_params(
            {
                "date": issue.day.date().isoformat(),
                "issued_at": issued,
                "issue_time": issue.issue_time,
                "horizon_days": issue.horizon_days,
                "model": model_uri,
                "model_version": _model_version(model_uri),
            }
        )
        mlflow.log_metrics({k: float(v) for k, v in answer.iloc[0].items()})
        mlflow.log_table(table, "forecast.json")
    if output is not None:
        with atomic_path(output) as tmp:
            if output.suffix == ".json":
                records = table.round(1).to_dict(orient="records")
                tmp.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
            else:
                table.round(1).to_csv(tmp, index=False)
    log.info("forecast: %s issued %s by %s", issue.day.date(), issue.describe(), model_uri)
    return table
