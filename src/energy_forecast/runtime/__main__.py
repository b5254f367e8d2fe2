"""`python -m energy_forecast.runtime STAGE [FAMILY]`: one pipeline stage, as `dvc.yaml` runs it."""

from __future__ import annotations

import argparse
import sys

from energy_forecast.runtime import runner
from energy_forecast.runtime.stage import STAGES, run_stage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m energy_forecast.runtime", description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="settings file (params.yaml)")
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("family", nargs="?", help="with train: a key of `families` in params")
    args = parser.parse_args(argv)
    if (args.stage == "train") != (args.family is not None):
        parser.error("a family goes with train, and only with train")
    return runner.run(lambda: run_stage(args.stage, args.params, args.family))


if __name__ == "__main__":
    sys.exit(main())
