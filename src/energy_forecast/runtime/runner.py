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

# The signals received: a library that turns the KeyboardInterrupt into its own error (pandas'
# parser says its source failed) must not have the interruption reported as bad input.
_received: list[int] = []


def _interrupted(signum: int, frame: object) -> None:
    # As Ctrl-C does: open MLflow runs end FAILED on the way out, temporary files are removed.
    _received.append(signum)
    raise KeyboardInterrupt(_reason(signum))


def _reason(signum: int) -> str:
    return "" if signum == signal.SIGINT else f"signal {signum}"


def _report_interrupt(reason: str) -> int:
    # The stage's MLflow runs were ended FAILED on the way out; no traceback to read.
    print(
        f"error: interrupted ({reason or 'Ctrl-C'}); its open MLflow runs end FAILED",
        file=sys.stderr,
    )
    return 130


def run(work: Callable[[], int | None]) -> int:
    """Run `work`; return the process's exit code: `work`'s own, or 0 when it returns none."""
    _received.clear()
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    # What a stage did, in its own words; MLflow's and its libraries' news only if it matters.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("energy_forecast").setLevel(logging.INFO)
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    try:
        code = work()
    except KeyboardInterrupt as err:
        return _report_interrupt(str(err))
    except Exception as err:
        if _received:
            return _report_interrupt(_reason(_received[0]))
        if isinstance(err, InputError):
            print(f"error: {err}", file=sys.stderr)
            return 2
        # A model refusing its input raises MlflowException (mlflow is loaded by then);
        # anything else is a bug and keeps its traceback.
        mlflow_errors = sys.modules.get("mlflow.exceptions")
        if mlflow_errors is None or not isinstance(err, mlflow_errors.MlflowException):
            raise
        print(f"error: {err.message}", file=sys.stderr)
        return 2
    return code or 0
