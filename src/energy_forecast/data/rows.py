"""Refusing a row of an export by its file, line and column, and what was expected there."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.data.exports import STATUS_ORDER


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


def refuse_first(
    rows: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    path: Path,
    message: Callable[[pd.Series], str],
    column: str | None = None,
) -> None:
    """Refuse the first of `rows` (each with its file `line`) where `mask` holds, saying
    `message(row)`."""
    bad = np.asarray(mask)
    if bad.any():
        row = rows.iloc[int(np.flatnonzero(bad)[0])]
        raise InputError(message(row), source=str(path), line=int(row["line"]), column=column)


def refuse_non_final(
    rows: pd.DataFrame, rule: str, path: Path, column: str | None = None
) -> pd.Series:
    """Which rows are not final (`Définitif`); with `data.quality.non_final_status: error`, the
    first of them refused."""
    non_final = rows["status"] != STATUS_ORDER[0]
    if rule == "error":
        refuse_first(
            rows,
            non_final,
            path,
            lambda row: (
                f"status {row['status']!r} is not final and "
                f"data.quality.non_final_status is 'error'; expected {STATUS_ORDER[0]!r}"
            ),
            column,
        )
    return non_final


# pandas' C parser says where a row went wrong: "Expected 3 fields in line 4, saw 4".
_PARSER_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def malformed(err: Exception, path: Path) -> InputError:
    """pandas' refusal of a row as one error naming the file's line where pandas says it."""
    found = _PARSER_LINE.search(str(err))
    if found is None:
        return InputError(f"malformed row: {str(err).strip()}", source=str(path))
    expected, line, seen = (int(g) for g in found.groups())
    return InputError(
        f"malformed row: {seen} fields where the header has {expected}", source=str(path), line=line
    )
