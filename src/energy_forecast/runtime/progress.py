"""Progress of long work (a download, a search, a backtest), as a tqdm bar on a terminal."""

from __future__ import annotations

from collections.abc import Iterable

from tqdm import tqdm


def progress_bar(
    what: str,
    total: int | None,
    unit: str,
    iterable: Iterable | None = None,
    unit_scale: bool = False,
) -> tqdm:
    """A bar on stderr while it runs, gone when done; where stderr is not a terminal (logs,
    CI, `dvc repro` under a pipe) it is disabled and writes nothing."""
    return tqdm(
        iterable,
        total=total,
        desc=what,
        unit=unit,
        unit_scale=unit_scale,
        disable=None,
        leave=False,
    )
