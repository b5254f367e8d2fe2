"""The layouts of RTE's ODRÉ exports, shared by the parser, the generator and the downloader."""

from __future__ import annotations

CONSUMPTION_DATASET = "consommation-quotidienne-brute"
# The eCO2mix national datasets: the series RTE forecasts, with its J-1 forecast beside it.
ECO2MIX_DATASETS = ("eco2mix-national-cons-def", "eco2mix-national-tr")
ECO2MIX_DATE = "Date"
ECO2MIX_INSTANT = "Date - Heure"
ECO2MIX_NATURE = "Nature"
ECO2MIX_ACTUAL = "Consommation (MW)"
ECO2MIX_FORECAST = "Prévision J-1 (MW)"
# RTE's annual eCO2mix exports (and its En-cours files of the same shape): their first columns,
# then the consumption and RTE's J-1, in MW, every 30 and 15 minutes at Paris wall-clock times.
ECO2MIX_ANNUAL_COLUMNS = ("Périmètre", "Nature", "Date", "Heures")
ECO2MIX_ANNUAL_ACTUAL = "Consommation"
ECO2MIX_ANNUAL_FORECAST = "Prévision J-1"
# RTE's disclaimer closes each annual export, after the data.
ECO2MIX_ANNUAL_DISCLAIMER = "RTE ne pourra"
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
# The statuses of ODRÉ's series; the least final wins when a day mixes them.
STATUS_ORDER = ["Définitif", "Consolidé", "Temps réel"]

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
# A temperature forecast file (docs/forecasting.md): when each row's forecast was issued, then
# a regional export's columns (`Code INSEE région` may be left out for national values).
FORECAST_ISSUED = "issued_at"
TEMPERATURE_FORECAST_COLUMNS = [FORECAST_ISSUED, TEMPERATURE_DATE, TEMPERATURE_REGION]
TEMPERATURE_FORECAST_COLUMNS += list(TEMPERATURE_VALUES)

SEPARATOR = ";"
