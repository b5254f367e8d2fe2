"""Export files made by hand, in the real formats, for the parsing and hardening tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from energy_forecast.data import exports
from energy_forecast.data.regions import REGIONS

HEADER = ";".join(exports.CONSUMPTION_COLUMNS)


def consumption_rows(day: str, mw: list[int], offset_hours: int = 1) -> list[str]:
    """Export rows (oldest first) for an ordinary Paris day of len(mw) half-hours."""
    start = pd.Timestamp(day) - pd.Timedelta(hours=offset_hours)
    rows = []
    for i, value in enumerate(mw):
        instant = start + pd.Timedelta(minutes=30 * i)
        wall = pd.Timestamp(day) + pd.Timedelta(minutes=30 * i)
        rows.append(
            f"{instant:%Y-%m-%dT%H:%M:%S}+00:00;{wall:%d/%m/%Y};{wall:%H:%M};;;;;;"
            f"{value};Définitif;;non"
        )
    return rows


def write(path: Path, header: str, rows: list[str], bom: bool = True) -> Path:
    text = "\r\n".join([header, *reversed(rows)]) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


TEMPERATURE_HEADER = "Date;Code INSEE région;Région;TMin (°C);TMax (°C);TMoy (°C)"


def temperature_rows(days: list[str], skip: set[tuple[str, int]] = frozenset()) -> list[str]:
    return [
        f"{d};{code};{region.name};1.5;8.5;5.0"
        for d in days
        for code, region in REGIONS.items()
        if (d, code) not in skip
    ]
