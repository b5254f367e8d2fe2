"""`energy-forecast predict`: new temperatures in, daily consumption forecasts out.

The input is a regional `temperature-quotidienne-regionale` export (either variant),
aggregated by the very code `featurize` uses, or a national CSV with `date` and the
temperature columns the model needs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError, first_line
from energy_forecast.core.features import (
    CONSUMPTION,
    checked_consumption,
    checked_temperature,
    parse_dates,
)
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE, TEMPERATURE_COLUMNS
from energy_forecast.core.served import POINT_ONLY
from energy_forecast.data import exports
from energy_forecast.data.consumption_export import read_consumption
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.modeling.saving import forecast_metadata, required_columns
from energy_forecast.runtime.atomic import atomic_path
from energy_forecast.runtime.settings import QualityRules, Settings
from energy_forecast.tracking import store

log = logging.getLogger(__name__)


def readable_file(path: Path) -> None:
    """Refuse a path that is not a file with something in it, by name."""
    if path.is_dir():
        raise InputError("is a directory; expected a CSV file", source=str(path))
    if not path.is_file():
        raise InputError("no such file", source=str(path))
    if path.stat().st_size == 0:
        raise InputError("the file is empty; expected a header line", source=str(path), line=1)


def _refuse_misspelt(found: pd.Index, path: Path) -> None:
    """A column named as a request column but for its case or spaces is a misspelling: its
    values would be dropped unseen (the consumption known so far, for one)."""
    known = [*TEMPERATURE_COLUMNS, "date", CONSUMPTION, CONSUMPTION_TO_ISSUE]
    by_spelling = {name.lower(): name for name in known}
    for column in found:
        meant = by_spelling.get(str(column).strip().lower())
        if meant is not None and meant != column:
            raise InputError(
                f"column {column!r} is not read; expected {meant!r}", source=str(path), line=1
            )


def read_inputs(path: Path, columns: list[str], population_year: int) -> pd.DataFrame:
    """The model's request columns for every day in the file at `path`."""
    readable_file(path)
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    if exports.TEMPERATURE_REGION in header:
        national = national_temperatures(read_temperature(path), population_year, source=str(path))
        return (
            national.rename_axis("date")
            .reset_index()[columns]
            .assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d"))
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if frame.empty:
        raise InputError("no data rows below the header", source=str(path), line=2)
    _refuse_misspelt(frame.columns, path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing columns {missing}; expected a regional temperature export "
            f"or a CSV with columns {columns}",
            source=str(path),
            line=1,
        )
    dates = parse_dates(frame["date"], str(path), first_line=2)
    out = pd.DataFrame({"date": dates.strftime("%Y-%m-%d")})
    for column in columns[1:]:
        out[column] = checked_temperature(frame[column], column, str(path), first_line=2)
    return out


def read_consumption_history(
    path: Path, rules: QualityRules, issue_time: str | None = None
) -> pd.DataFrame:
    """Known consumption (MWh) by date: each whole day's, and with an issue time each day's to
    then; from an ODRÉ export, or a CSV of date, consumption_mwh (and optionally
    consumption_to_issue_mwh). A day not known (whole or to the issue time) is NaN."""
    readable_file(path)
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    if exports.CONSUMPTION_MW in header:
        days = read_consumption(path, rules, issue_time)
        whole = days.table[CONSUMPTION].reindex(days.days.index)
        known = pd.DataFrame({CONSUMPTION: whole}, index=days.days.index)
        if issue_time:
            known[CONSUMPTION_TO_ISSUE] = days.days[CONSUMPTION_TO_ISSUE]
        return known
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    _refuse_misspelt(frame.columns, path)
    if "date" not in frame.columns or CONSUMPTION not in frame.columns:
        raise InputError(
            f"expected a consumption export or a CSV with columns ['date', '{CONSUMPTION}'] "
            f"(and, for a model with an issue time, '{CONSUMPTION_TO_ISSUE}')",
            source=str(path),
            line=1,
        )
    # As in a request, the consumption to the issue time is told where it is known.
    columns = [CONSUMPTION, *([CONSUMPTION_TO_ISSUE] if CONSUMPTION_TO_ISSUE in frame else [])]
    dates = parse_dates(frame["date"], str(path), first_line=2)
    return pd.DataFrame(
        {
            c: checked_consumption(frame[c], str(path), 2, c, rules.daily_mwh_bounds)
            for c in columns
        },
        index=dates,
    )


def load_served_model(model_uri: str):
    """The MLflow model at `model_uri`; a local folder that is not there is named in full, and
    a model that does not load (a damaged folder, a store that refuses) is one error naming
    it with the reason."""
    import mlflow

    source = model_uri
    # Not a URI (`models:/`, `runs:/`, `s3://`...): a folder.
    if ":/" not in model_uri:
        folder = Path(model_uri).resolve()
        source = str(folder)
        if not (folder / "MLmodel").is_file():
            raise InputError(
                "holds no MLflow model (no MLmodel file); expected models/model after "
                "`dvc repro`, a family's models/families/<family>, or a models:/ URI",
                source=source,
            )
    try:
        model = mlflow.pyfunc.load_model(model_uri)
        required_columns(model.metadata)
    except Exception as err:
        # Whatever stops the load, from a truncated file to missing credentials, is said in one
        # line: the model cannot be used as given.
        raise InputError(
            f"cannot be loaded as this project's served model ({type(err).__name__}: "
            f"{first_line(err)}); expected the folder `dvc repro` writes, or a models:/ URI",
            source=source,
        ) from err
    return model


def predict_file(
    model_uri: str,
    temperature: Path,
    output: Path,
    settings: Settings,
    consumption: Path | None = None,
    point_only: bool = False,
) -> None:
    import mlflow

    if output.is_dir():
        raise InputError(
            "is a directory; expected the path of the CSV to write", source=str(output)
        )
    mlflow.set_tracking_uri(store.tracking_uri(Path.cwd()))
    model = load_served_model(model_uri)
    columns = required_columns(model.metadata)
    inputs = read_inputs(temperature, columns, settings.features.population_year)
    if consumption is not None:
        history = read_consumption_history(
            consumption, settings.data.quality, forecast_metadata(model.metadata).get("issue_time")
        )
        # Days the model is told; the others, after them, are forecast.
        dates = pd.to_datetime(inputs["date"])
        for column in history.columns:
            inputs[column] = dates.map(history[column]).to_numpy(dtype=float)
    answer = model.predict(inputs, params={POINT_ONLY: point_only})
    forecast = pd.concat([inputs[["date"]], answer.round(1)], axis=1)
    with atomic_path(output) as tmp:
        forecast.to_csv(tmp, index=False)
    log.info(
        "predict: %d days from %s to %s written to %s",
        len(forecast),
        forecast["date"].iloc[0],
        forecast["date"].iloc[-1],
        output,
    )
