"""Which export each line of a raw file came from, so that a row refused in `data/raw/` is
named where the user can fix it.

`ingest` copies the exports of `data.source: files` into `data/raw/` (several consumption
files joined into one, the later ones without their header) and records, per raw file, the
runs of lines each export gave: `data/raw/sources.json`. `featurize` reads the raw files and,
when it refuses a row, names the export and its own line instead.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from energy_forecast.core.errors import InputError


@dataclass(frozen=True)
class Part:
    """Lines `first_raw_line`.. of a raw file are lines `first_line`.. of `export`."""

    export: str  # relative to the project root, as params.yaml names it
    first_raw_line: int
    first_line: int


def write(parts: dict[str, list[Part]], target: Path) -> None:
    """`parts` by raw file name (a raw file without parts is its own source)."""
    table = {name: [asdict(p) for p in found] for name, found in sorted(parts.items())}
    target.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")


def read(path: Path) -> dict[str, list[Part]]:
    table = json.loads(path.read_text(encoding="utf-8"))
    return {name: [Part(**p) for p in found] for name, found in table.items()}


def located(err: InputError, root: Path, raw: Path, parts: list[Part]) -> InputError:
    """`err`, refused in the raw file `raw` (relative to `root`), as said of the export its
    line came from; unchanged if it names another file or `raw` has no parts."""
    if not parts or err.source is None or Path(err.source) != root / raw:
        return err
    if err.line is None:
        exports = ", ".join(p.export for p in parts)
        where = f"joined in {raw.as_posix()} by ingest"
        return InputError(f"{err.reason} ({where})", source=exports, column=err.column)
    part = next(p for p in reversed(parts) if p.first_raw_line <= err.line)
    line = err.line - part.first_raw_line + part.first_line
    # Other lines the reason names count in the raw file: where it is a join, say which line
    # this one is there.
    where = (
        f"copied to {raw.as_posix()} by ingest"
        if len(parts) == 1
        else f"line {err.line} of {raw.as_posix()}, where ingest joined the exports"
    )
    return InputError(f"{err.reason} ({where})", source=part.export, line=line, column=err.column)
