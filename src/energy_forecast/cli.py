"""`energy-forecast`: the commands `dvc.yaml` runs, plus `predict`, `promote`, `ui` and
`calibrate`."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
from pathlib import Path

from energy_forecast.errors import InputError
from energy_forecast.settings import load as load_settings

STAGES = ("ingest", "featurize", "train", "evaluate", "select", "backtest")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="energy-forecast", description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="settings file (params.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)
    for stage in STAGES:
        cmd = sub.add_parser(stage, help=f"run the `{stage}` stage")
        if stage == "train":
            cmd.add_argument("family", help="model family, a key of `families` in params")
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
    promote = sub.add_parser("promote", help="point @champion at a registered model version")
    promote.add_argument("version", help="the version number, as `select` logged it")
    ui = sub.add_parser("ui", help="the MLflow UI on this project's store and experiment")
    ui.add_argument("--port", type=int, default=5000, help="port on 127.0.0.1 (5000)")
    calibrate = sub.add_parser("calibrate", help="fit the synthetic generator on real exports")
    calibrate.add_argument("--consumption", required=True, type=Path)
    calibrate.add_argument("--temperature", required=True, type=Path)
    calibrate.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "synthetic" / "constants.py"
    )
    return parser


def _interrupted(signum: int, frame: object) -> None:
    # As Ctrl-C does: open MLflow runs end FAILED on the way out, temporary files are removed.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    # What a stage did, in its own words; MLflow's and its libraries' news only if it matters.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("energy_forecast").setLevel(logging.INFO)
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    try:
        if args.command == "calibrate":
            from energy_forecast.atomic import write_text
            from energy_forecast.synthetic.generator import calibrate, render

            constants = calibrate(args.consumption, args.temperature)
            write_text(args.output, render(constants, [args.consumption, args.temperature]))
            return 0
        settings = load_settings(args.params)
        if args.command == "promote":
            from energy_forecast.stages.select import promote
            from energy_forecast.tracking import store

            store.configure(Path.cwd(), settings.mlflow.experiment)
            promote(settings.mlflow.registered_model, args.version)
            print(f"@champion -> {settings.mlflow.registered_model} version {args.version}")
        elif args.command == "ui":
            from energy_forecast.tracking import ui

            ui.open_ui(Path.cwd(), settings.mlflow.experiment, args.port)
        elif args.command == "predict":
            from energy_forecast.serving.batch import predict_file

            predict_file(
                args.model,
                args.temperature,
                args.output,
                settings,
                args.consumption,
                args.point_only,
            )
        else:
            stage = importlib.import_module(f"energy_forecast.stages.{args.command}")
            family = (args.family,) if args.command == "train" else ()
            stage.run(settings, Path.cwd(), *family)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        # The stage's MLflow runs were ended FAILED on the way out; no traceback to read.
        reason = err or "Ctrl-C"
        print(f"error: interrupted ({reason}); its open MLflow runs end FAILED", file=sys.stderr)
        return 130
    except Exception as err:
        # A model refusing its input raises MlflowException (mlflow is loaded by then);
        # anything else is a bug and keeps its traceback.
        mlflow_errors = sys.modules.get("mlflow.exceptions")
        if mlflow_errors is None or not isinstance(err, mlflow_errors.MlflowException):
            raise
        print(f"error: {err.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
