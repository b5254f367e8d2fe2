"""`ingest`: put the identity of the data in data/raw/, from the source params name."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.data import exports, sources
from energy_forecast.data.tables import export_bytes
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.runtime import paths
from energy_forecast.runtime.atomic import atomic_path
from energy_forecast.runtime.settings import PARAMS_FILE, Settings

log = logging.getLogger(__name__)


def _external_file(value: str, key: str, root: Path) -> Path:
    path = (root / value).resolve()
    external = (root / paths.EXTERNAL).resolve()
    # `dvc.yaml` can only watch a fixed path, so sources live where the stage's dependency is.
    if not path.is_relative_to(external):
        raise InputError(
            f"{key}: expected a file under {paths.EXTERNAL}/ (which `ingest` depends on), "
            f"got {value!r}",
            source=PARAMS_FILE,
        )
    if not path.is_file():
        raise InputError("no such file", source=value)
    return path


def _external_files(value: str | list[str], key: str, root: Path) -> list[Path]:
    """The files `value` names, each a path or a glob under data/external/, in order."""
    files = []
    for pattern in [value] if isinstance(value, str) else value:
        if not any(c in pattern for c in "*?["):
            files.append(_external_file(pattern, key, root))
            continue
        matched = sorted(root.glob(pattern))
        if not matched:
            raise InputError(f"{key}: {pattern!r} matches no file", source=PARAMS_FILE)
        files += [_external_file(str(m.relative_to(root)), key, root) for m in matched]
    return files


def _export_name(path: Path, root: Path) -> str:
    """An export's path as params.yaml names it, relative to the project root."""
    return path.relative_to(root.resolve()).as_posix()


def _copied(path: Path, target: Path, root: Path) -> list[sources.Part]:
    shutil.copyfile(path, target)
    return [sources.Part(_export_name(path, root), 1, 1)]


def _joined(files: list[Path], target: Path, root: Path) -> list[sources.Part]:
    """One export from several of the same format (zips unpacked): the first whole, the others'
    rows after it; where each one's lines went."""
    if len(files) == 1:
        return _copied(files[0], target, root)
    header = export_bytes(files[0]).removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    parts = []
    written = 0
    with target.open("wb") as out:
        for path in files:
            first, _, rows = export_bytes(path).removeprefix(b"\xef\xbb\xbf").partition(b"\n")
            if first.rstrip(b"\r") != header.rstrip(b"\r"):
                raise InputError(
                    f"its header differs from that of {files[0]}; expected one export format "
                    "in every file of data.files.consumption",
                    source=str(path),
                    line=1,
                )
            export = _export_name(path, root)
            if path == files[0]:
                parts.append(sources.Part(export, 1, 1))
                out.write(first + b"\n")
                written += 1
            else:
                parts.append(sources.Part(export, written + 1, 2))
            out.write(rows if rows.endswith(b"\n") or not rows else rows + b"\n")
            written += rows.count(b"\n") + (not rows.endswith(b"\n") and bool(rows))
    return parts


def _weather_archive(settings: Settings, root: Path, target: Path, last: pd.Timestamp) -> None:
    """The weather forecasts of data.start..`last` that the backtest reads, from
    data.weather_forecast (generated data write their own)."""
    data = settings.data
    start = pd.Timestamp(data.start)
    if data.weather_forecast == "openmeteo":
        from energy_forecast.data import openmeteo

        # A forecast issued at the earliest, at 00:00 on D - horizon_days, is the furthest ahead.
        ahead = pd.Timedelta(days=settings.forecast.horizon_days + 1)
        archive = openmeteo.previous_runs(data.openmeteo, start, last, openmeteo.leads(ahead))
        archive.to_csv(target, sep=exports.SEPARATOR, index=False)
    elif data.files.temperature_forecast is None:
        raise InputError(
            "backtest.weather: forecast and intervals.weather: forecast need weather "
            "forecasts of the days they forecast: set "
            "data.files.temperature_forecast (a file under data/external/) or "
            "data.weather_forecast: openmeteo",
            source=PARAMS_FILE,
        )
    else:
        key = "data.files.temperature_forecast"
        shutil.copyfile(_external_file(data.files.temperature_forecast, key, root), target)


def run(settings: Settings, root: Path) -> None:
    data = settings.data
    start = pd.Timestamp(data.start)
    end = None if data.last_day is None else pd.Timestamp(data.last_day)
    targets = (root / paths.RAW_CONSUMPTION, root / paths.RAW_TEMPERATURE)
    needs_forecasts = "forecast" in (settings.backtest.weather, settings.intervals.weather)
    parts: dict[str, list[sources.Part]] = {}
    with (
        atomic_path(targets[0]) as consumption,
        atomic_path(targets[1]) as temperature,
        atomic_path(root / paths.RAW_TEMPERATURE_FORECAST) as forecasts,
        atomic_path(root / paths.RAW_SOURCES) as source_lines,
    ):
        # When neither the backtest nor the bands read forecasts, the archive is its header.
        forecasts.write_text(exports.SEPARATOR.join(exports.TEMPERATURE_FORECAST_COLUMNS) + "\n")
        if data.source == "files":
            key = "data.files.consumption"
            files = _external_files(data.files.consumption, key, root)
            parts[targets[0].name] = _joined(files, consumption, root)
            key = "data.files.temperature"
            export = _external_file(data.files.temperature, key, root)
            parts[targets[1].name] = _copied(export, temperature, root)
        elif data.source == "synthetic":
            from energy_forecast.synthetic.generator import generate

            if end is None:
                raise InputError(
                    "data.end: expected a date YYYY-MM-DD, got 'latest': generated data has "
                    "no latest day",
                    source=PARAMS_FILE,
                )
            generate(
                consumption,
                temperature,
                start,
                end,
                data.synthetic.seed,
                settings.features.population_year,
                forecasts=forecasts if needs_forecasts else None,
            )
        else:
            from energy_forecast.data import odre

            odre.download(data.odre, consumption, temperature, start, end)
        if needs_forecasts and data.source != "synthetic":
            last = end if end is not None else read_temperature(temperature)["date"].max()
            _weather_archive(settings, root, forecasts, last)
        sources.write(parts, source_lines)
    until = data.end
    log.info("ingest: %s data for %s..%s in %s and %s", data.source, data.start, until, *targets)
    if needs_forecasts:
        log.info("ingest: weather forecasts in %s", paths.RAW_TEMPERATURE_FORECAST)
