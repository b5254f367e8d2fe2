"""`energy-forecast`: forecast, score, predict, promote, ui and calibrate, and each pipeline
stage by name (as `python -m energy_forecast.runtime` runs it for `dvc.yaml`)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from energy_forecast.runtime import paths, runner
from energy_forecast.runtime.settings import load as load_settings
from energy_forecast.runtime.stage import STAGES, run_stage
from energy_forecast.ui import DEFAULT_PORT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="energy-forecast", description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="settings file (params.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)
    for stage in STAGES:
        cmd = sub.add_parser(stage, help=f"run the `{stage}` stage")
        if stage == "train":
            cmd.add_argument("family", help="model family, a key of `families` in params")
    _add_predict(sub)
    _add_forecast(sub)
    _add_score(sub)
    promote = sub.add_parser("promote", help="point @champion at a registered model version")
    promote.add_argument("version", help="the version number, as `select` logged it")
    ui = sub.add_parser("ui", help="the MLflow UI on this project's store and experiment")
    ui.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 ({DEFAULT_PORT})"
    )
    calibrate = sub.add_parser("calibrate", help="fit the synthetic generator on real exports")
    calibrate.add_argument("--consumption", required=True, type=Path)
    calibrate.add_argument("--temperature", required=True, type=Path)
    calibrate.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "synthetic" / "constants.py"
    )
    return parser


def _add_predict(sub: argparse._SubParsersAction) -> None:
    predict = sub.add_parser("predict", help="forecast daily consumption from temperatures")
    predict.add_argument("--model", required=True, help="MLflow model directory or URI")
    predict.add_argument(
        "--temperature",
        required=True,
        type=Path,
        help="regional temperature export, or a CSV of date and national columns",
    )
    predict.add_argument(
        "--consumption",
        type=Path,
        help="consumption known so far: an ODRÉ export, or a CSV of date and consumption_mwh",
    )
    predict.add_argument("--output", required=True, type=Path, help="CSV to write")
    predict.add_argument(
        "--point-only",
        action="store_true",
        help="the forecast alone, without its bands (lower_80, upper_80, ...)",
    )


def _add_forecast(sub: argparse._SubParsersAction) -> None:
    forecast = sub.add_parser(
        "forecast", help="one day's forecast and bands, as issued at the model's issue time"
    )
    forecast.add_argument(
        "--date", type=date, help="the day to forecast (default: the next one issued today)"
    )
    forecast.add_argument(
        "--model", default=str(paths.SERVED), help="MLflow model directory or URI (models/model)"
    )
    forecast.add_argument(
        "--weather",
        help="a temperature forecast file, or `openmeteo` to download Open-Meteo's (default: "
        "data.weather_forecast)",
    )
    forecast.add_argument(
        "--download",
        action="store_true",
        help="the consumption and temperature exports fresh from ODRÉ (data.odre)",
    )
    forecast.add_argument(
        "--consumption", type=Path, help=f"consumption export (default: {paths.RAW_CONSUMPTION})"
    )
    forecast.add_argument(
        "--temperature",
        type=Path,
        help=f"observed regional temperature export (default: {paths.RAW_TEMPERATURE})",
    )
    forecast.add_argument(
        "--resolution",
        choices=["30min", "1h", "1d"],
        default="1d",
        help="the day's row (1d, default) or its curve: every half-hour (30min) or hour (1h), "
        "with UTC and Paris timestamps",
    )
    forecast.add_argument("--output", type=Path, help="also write the forecast: .csv or .json")


def _add_score(sub: argparse._SubParsersAction) -> None:
    score = sub.add_parser(
        "score",
        help="score the `forecast` runs whose day is now known; exit 3 if the model drifted",
    )
    score.add_argument(
        "--consumption", type=Path, help=f"consumption export (default: {paths.RAW_CONSUMPTION})"
    )
    score.add_argument(
        "--download", action="store_true", help="the consumption export fresh from ODRÉ"
    )
    score.add_argument("--output", type=Path, help="also write the scores: .csv or .json")


def _command(args: argparse.Namespace) -> int | None:
    if args.command == "calibrate":
        from energy_forecast.runtime.atomic import write_text
        from energy_forecast.synthetic.generator import calibrate, render

        constants = calibrate(args.consumption, args.temperature)
        write_text(args.output, render(constants, [args.consumption, args.temperature]))
    elif args.command in STAGES:
        run_stage(args.command, args.params, getattr(args, "family", None))
    elif args.command == "promote":
        from energy_forecast.stages.select import promote
        from energy_forecast.tracking import store

        settings = load_settings(args.params)
        store.configure(Path.cwd(), settings.mlflow.experiment)
        promote(settings.mlflow.registered_model, args.version)
        print(f"@champion -> {settings.mlflow.registered_model} version {args.version}")
    elif args.command == "forecast":
        _forecast(args)
    elif args.command == "score":
        return _score(args)
    elif args.command == "ui":
        from energy_forecast import ui

        ui.open_ui(Path.cwd(), load_settings(args.params).mlflow.experiment, args.port)
    else:
        from energy_forecast.serving.batch import predict_file

        predict_file(
            args.model,
            args.temperature,
            args.output,
            load_settings(args.params),
            args.consumption,
            args.point_only,
        )
    return None


def date(value: str):
    """An argparse type: a YYYY-MM-DD day."""
    import pandas as pd

    try:
        return pd.Timestamp(dt.date.fromisoformat(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {value!r}") from None


def _forecast(args: argparse.Namespace) -> None:
    from energy_forecast.core.errors import InputError
    from energy_forecast.serving.forecast import OPENMETEO, forecast

    settings = load_settings(args.params)
    if args.download and (args.consumption or args.temperature):
        raise InputError("--download fetches the exports: give it or --consumption/--temperature")
    weather = args.weather
    if weather is None:
        files = settings.data.weather_forecast == "files"
        weather = settings.data.files.temperature_forecast if files else OPENMETEO
    if weather is None:
        raise InputError(
            "no weather forecast: pass --weather FILE (or openmeteo), or set "
            "data.files.temperature_forecast or data.weather_forecast: openmeteo",
            source=args.params,
        )
    table = forecast(
        Path.cwd(),
        settings,
        args.date,
        args.model,
        weather if weather == OPENMETEO else Path(weather),
        args.consumption,
        args.temperature,
        args.output,
        args.download,
        args.resolution,
    )
    if args.resolution != "1d":
        # A trader reads the products by their Paris start; `--output` keeps UTC too.
        table = table.drop(columns=["date", "start"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))


def _score(args: argparse.Namespace) -> int:
    from energy_forecast.core.errors import InputError
    from energy_forecast.serving import scoring

    if args.download and args.consumption:
        raise InputError("--download fetches the export: give it or --consumption")
    scored = scoring.score(
        Path.cwd(), load_settings(args.params), args.consumption, args.download, args.output
    )
    print(scoring.describe(scored))
    if scored.drifted:
        print(scoring.drift_warning(scored), file=sys.stderr)
        return scoring.DRIFTED
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return runner.run(lambda: _command(args))


if __name__ == "__main__":
    sys.exit(main())
