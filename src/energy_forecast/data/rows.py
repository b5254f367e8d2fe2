"""Refusing a row of an export by its file, line and column, and what was expected there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from energy_forecast.core.errors import InputError


def fail_at(
    mask: pd.Series | np.ndarray, frame: pd.DataFrame, column: str, path: Path, expected: str
) -> None:
    """Refuse the first row of `frame` where `mask` holds, naming its file line (the header is
    line 1; a row's line follows its index label) and its column."""
    bad = np.asarray(mask)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{frame[column].iloc[first]!r} is not {expected}",
            source=str(path),
            line=int(frame.index[first]) + 2,
            column=column,
        )
