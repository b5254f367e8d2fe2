"""Write outputs so that a failure never leaves a half-written file or directory behind."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from energy_forecast.core.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _beside(target: Path, make: Callable[[], str]) -> Path:
    """The temporary file or folder `make` creates beside `target`; a folder that cannot be
    written (read-only, not ours) is one error naming it."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return Path(make())
    except OSError as err:
        raise InputError(
            f"cannot write {target.name} in this folder ({err.strerror}); expected a writable one",
            source=str(target.parent),
        ) from None


def _temporary_file(target: Path) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return tmp


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds."""
    target = Path(path)
    tmp_path = _beside(target, lambda: _temporary_file(target))
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); outputs are for teammates and servers too.
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except OSError as err:
        # A full disk or a quota: the file is not written, and the user is told where.
        raise InputError(
            f"cannot be written ({err.strerror}); nothing was written", source=str(target)
        ) from err
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces the directory `path` on success."""
    target = Path(path)
    tmp = _beside(target, lambda: tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# Significant digits of every number in a JSON output: what a score means, and not the last
# bits that differ between machines' floating-point libraries.
JSON_DIGITS = 6


def rounded(value: Any) -> Any:
    """`value` with every float rounded to JSON_DIGITS significant digits."""
    if isinstance(value, float):
        return float(f"{value:.{JSON_DIGITS}g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


def write_json(path: str | Path, value: Any) -> None:
    write_text(path, json.dumps(rounded(value), indent=2, ensure_ascii=False) + "\n")
