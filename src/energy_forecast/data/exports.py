"""The layouts of RTE's ODRÉ exports, shared by the parser, the generator and the downloader."""

from __future__ import annotations

CONSUMPTION_DATASET = "consommation-quotidienne-brute"
TEMPERATURE_DATASET = "temperature-quotidienne-regionale"

CONSUMPTION_COLUMNS = [
    "Date - Heure",
    "Date",
    "Heure",
    "Consommation brute gaz (MW PCS 0°C) - NaTran",
    "Statut - NaTran",
    "Consommation brute gaz (MW PCS 0°C) - Teréga",
    "Statut - Teréga",
    "Consommation brute gaz totale (MW PCS 0°C)",
    "Consommation brute électricité (MW) - RTE",
    "Statut - RTE",
    "Consommation brute totale (MW)",
    "flag_ignore",
]
# What the parser needs; the gas operator was called GRTgaz in exports made before 2025.
CONSUMPTION_INSTANT = "Date - Heure"
CONSUMPTION_DATE = "Date"
CONSUMPTION_TIME = "Heure"
CONSUMPTION_MW = "Consommation brute électricité (MW) - RTE"
CONSUMPTION_STATUS = "Statut - RTE"

TEMPERATURE_COLUMNS = [
    "ID",
    "Date",
    "Code INSEE région",
    "Région",
    "TMin (°C)",
    "TMax (°C)",
    "TMoy (°C)",
]
TEMPERATURE_DATE = "Date"
TEMPERATURE_REGION = "Code INSEE région"
TEMPERATURE_VALUES = {"TMin (°C)": "min", "TMax (°C)": "max", "TMoy (°C)": "mean"}

SEPARATOR = ";"
