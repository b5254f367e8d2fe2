"""How every command of the project runs: its log lines, its signals, its errors as exit codes.

Shared by `energy-forecast` and by the stage runner `dvc.yaml` calls, so that both report a
bad input in one line (exit 2) and an interruption as such (exit 130).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable

from energy_forecast.core.errors import InputError


def _interrupted(signum: int, frame: object) -> None:
    # As Ctrl-C does: open MLflow runs end FAILED on the way out, temporary files are removed.
    raise KeyboardInterrupt(f"signal {signum}")


def run(work: Callable[[], None]) -> int:
    """Run `work`; return the process's exit code."""
    signal.signal(signal.SIGTERM, _interrupted)
    # What a stage did, in its own words; MLflow's and its libraries' news only if it matters.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("energy_forecast").setLevel(logging.INFO)
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    try:
        work()
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        # The stage's MLflow runs were ended FAILED on the way out; no traceback to read.
        reason = str(err) or "Ctrl-C"
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
