"""`energy-forecast forecast`: one day's forecast and its bands, as a forecaster issues it.

The forecast for day D is issued at the model's issue time on D - horizon_days (the MLmodel
metadata say which). It is told what was known then and nothing later:
- the consumption export (`data/raw/consumption.csv` by default, or downloaded fresh from ODRÉ),
  cut there: the whole days up to the last one ended, and the issue day's half-hours ended by
  the issue time;
- the observed regional temperatures (`data/raw/temperature.csv` by default, or downloaded) of
  the days ended before the issue day;
- for the issue day to D, a weather forecast (a file, or Open-Meteo's) issued by the issue
  time: the latest such forecast of each region and day.
The request is the one `mlflow models serve` takes (the `adapt.warmup_days` days before D, then
D), so the served model answers it alike. The forecast is logged as an MLflow run `forecast`
with what it was made from, to be scored once D is known.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION, CONSUMPTION_TO_ISSUE, PARIS
from energy_forecast.core.served import DAILY, RESOLUTION
from energy_forecast.data import odre, openmeteo
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.data.forecast_export import read_temperature_forecasts
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.data.weather_forecasts import issued_regional
from energy_forecast.issuing import Issue
from energy_forecast.modeling.saving import (
    FORECAST_METADATA,
    forecast_metadata,
    required_columns,
)
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import atomic_path
from energy_forecast.runtime.settings import Settings
from energy_forecast.serving.batch import load_served_model, readable_file
from energy_forecast.tracking import lineage, store
from energy_forecast.ui import run_url

log = logging.getLogger(__name__)

OUTPUT_FORMATS = (".csv", ".json")
# `--weather openmeteo`: the forecast downloaded from Open-Meteo rather than read from a file.
OPENMETEO = "openmeteo"


def check_output_format(output: Path | None) -> None:
    """An `--output` the command can write: a path ending in one of OUTPUT_FORMATS."""
    if output is not None and output.suffix not in OUTPUT_FORMATS:
        raise InputError(f"expected a file ending in {OUTPUT_FORMATS}", source=str(output))


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
        covered = days.table.index
        if last is not None:
            ends = f"is complete to {last.date()}"
        elif len(covered):
            ends = (
                f"holds no complete day up to {issue.last_whole_day.date()} (it covers "
                f"{covered.min().date()} to {covered.max().date()})"
            )
        else:
            ends = "holds no complete day"
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
    weather forecast issued by the issue time. A region's gap in the observations is
    interpolated between the days either side of it, the forecast's first day included."""
    rules = settings.data.quality
    gap = 0 if rules.missing_temperature_days == "error" else rules.max_temperature_gap_days
    regional = read_temperature(observed)
    known = regional[regional["date"] <= issue.last_whole_day]
    if known.empty or known["date"].max() < issue.last_whole_day - pd.Timedelta(days=gap):
        ends = f"end on {known['date'].max().date()}" if len(known) else "hold none of those days"
        raise InputError(
            f"the observed temperatures {ends}; the forecast for {issue.day.date()}, issued "
            f"{issue.describe()}, needs them to {issue.last_whole_day.date()} and the weather "
            "forecast from the day after",
            source=str(observed),
        )
    ahead = issued_regional(read_temperature_forecasts(weather), issue, str(weather))
    year = settings.features.population_year
    national = national_temperatures(
        pd.concat([known, ahead], ignore_index=True), year, first, issue.day, str(observed), gap
    )
    _check_day_to_day(national, issue, weather)
    return national.drop(columns="temperature_imputed")


# The national mean temperature moved at most 5.9 °C from one day to the next in 2016-2021:
# twice that between the observations and the forecast is a unit error (°F), not weather.
MAX_DAILY_CHANGE = 12.0


def _check_day_to_day(national: pd.DataFrame, issue: Issue, weather: Path) -> None:
    mean = national["avg_mean_temperature"]
    change = mean.diff().abs()
    jumps = change[(change > MAX_DAILY_CHANGE) & (change.index > issue.last_whole_day)]
    if len(jumps):
        day = jumps.index[0]
        before = day - pd.Timedelta(days=1)
        raise InputError(
            f"the national mean temperature goes from {mean[before]:.1f} °C on {before.date()} "
            f"to {mean[day]:.1f} °C on {day.date()}; a change over {MAX_DAILY_CHANGE:g} °C "
            "in a day is not weather: expected temperatures in °C (not °F)",
            source=str(weather),
        )


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


@dataclass(frozen=True)
class Inputs:
    """The three files a forecast is made from, and where each came from (a path or a URL)."""

    consumption: Path
    temperature: Path
    weather: Path
    origins: dict[str, str]

    def tags(self) -> dict[str, str]:
        files = {
            "consumption": self.consumption,
            "temperature": self.temperature,
            "weather": self.weather,
        }
        return {f"forecast.{name}.md5": lineage.md5(path) for name, path in files.items()} | {
            f"forecast.{name}.path": origin for name, origin in self.origins.items()
        }


def gather(
    folder: Path,
    settings: Settings,
    issue: Issue,
    weather: Path | str,
    consumption: Path | None,
    temperature: Path | None,
) -> Inputs:
    """The forecast's files: given, downloaded into `folder` (consumption and temperatures from
    ODRÉ when `consumption` is None, the weather from Open-Meteo for `weather: openmeteo`)."""
    origins = {}
    for given in (consumption, temperature, None if weather == OPENMETEO else Path(weather)):
        if given is not None:
            readable_file(given)
    if consumption is None or temperature is None:
        first = issue.day - pd.Timedelta(days=settings.adapt.warmup_days)
        consumption, temperature = folder / "consumption.csv", folder / "temperature.csv"
        odre.download(settings.data.odre, consumption, temperature, first, None)
        for name in ("consumption", "temperature"):
            dataset = getattr(settings.data.odre, f"{name}_dataset")
            origins[name] = odre.export_url(settings.data.odre.base_url, dataset, first, None)
    else:
        origins |= {"consumption": str(consumption), "temperature": str(temperature)}
    if weather == OPENMETEO:
        weather = folder / "weather.csv"
        first = issue.last_whole_day + pd.Timedelta(days=1)
        now = pd.Timestamp.now(tz="UTC").floor("s")
        service = settings.data.openmeteo
        openmeteo.download(service, weather, first, issue.day, issue.instant, now)
        origins["weather"] = (
            service.forecast_url if now <= issue.instant else service.previous_runs_url
        )
    else:
        origins["weather"] = str(weather)
    return Inputs(consumption, temperature, Path(weather), origins)


def _write_output(table: pd.DataFrame, output: Path) -> None:
    with atomic_path(output) as tmp:
        if output.suffix == ".json":
            records = table.round(1).to_dict(orient="records")
            tmp.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
        else:
            table.round(1).to_csv(tmp, index=False)


def forecast(
    root: Path,
    settings: Settings,
    day: pd.Timestamp | None,
    model_uri: str,
    weather: Path | str,
    consumption: Path | None = None,
    temperature: Path | None = None,
    output: Path | None = None,
    download: bool = False,
    resolution: str = DAILY,
) -> pd.DataFrame:
    """The forecast for `day` (None: the next one issued today) with its bands, the day's row
    or at `resolution` its curve; logged as the MLflow run `forecast`. `download`: the exports
    fresh from ODRÉ instead of data/raw/; `weather`: a forecast file, or `openmeteo`. What was
    downloaded is logged with the run."""
    import mlflow

    check_output_format(output)
    if not download:
        consumption = consumption or root / paths.RAW_CONSUMPTION
        temperature = temperature or root / paths.RAW_TEMPERATURE
    experiment_id = store.configure(root, settings.mlflow.experiment)
    model = load_served_model(model_uri)
    issue = issue_of(day, model.metadata)
    columns = required_columns(model.metadata)
    with tempfile.TemporaryDirectory(prefix="forecast-") as folder:
        inputs = gather(Path(folder), settings, issue, weather, consumption, temperature)
        request = forecast_request(
            issue, columns, inputs.consumption, inputs.temperature, inputs.weather, settings
        )
        answer = model.predict(request).iloc[[-1]].reset_index(drop=True)
        table = pd.concat([request[["date"]].iloc[[-1]].reset_index(drop=True), answer], axis=1)
        curve = None
        if resolution != DAILY:
            curve = model.predict(request, params={RESOLUTION: resolution})
            day_rows = pd.to_datetime(curve["date"]) == pd.Timestamp(table["date"].iloc[0])
            curve = curve[day_rows.to_numpy()].reset_index(drop=True)
        issued = issue.instant.tz_convert(PARIS).isoformat()
        with mlflow.start_run(experiment_id=experiment_id, run_name="forecast") as run:
            mlflow.set_tags(inputs.tags())
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
            if curve is not None:
                mlflow.log_table(curve, f"forecast_{resolution}.json")
            # Downloads are gone once the command ends: the run keeps them, to score D by.
            for path in sorted(Path(folder).iterdir()):
                mlflow.log_artifact(str(path), "inputs")
            # Inside the run: an output that cannot be written ends it FAILED.
            if output is not None:
                _write_output(table if curve is None else curve, output)
    log.info("forecast: %s issued %s by %s", issue.day.date(), issue.describe(), model_uri)
    log.info("forecast: logged as %s", run_url(root, experiment_id, run.info.run_id))
    return table if curve is None else curve
