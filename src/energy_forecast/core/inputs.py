"""The raw inputs a model takes: what a request, a backtest and the daily table carry."""

# The national temperatures: the plain (`avg`) and population-weighted (`wavg`) means over the
# 13 regions of their daily minimum, maximum and mean.
TEMPERATURE_STATS = ("min", "max", "mean")
TEMPERATURE_COLUMNS = [
    f"{kind}_{stat}_temperature" for kind in ("avg", "wavg") for stat in TEMPERATURE_STATS
]
# Temperatures a model may be asked about; outside them a request is surely a unit or typing error.
TEMPERATURE_RANGE = (-40.0, 50.0)
# Dates a model may be asked about: the calendar features (French holidays, the trend) hold
# there; 9999 would get 2100's answer with no word.
SUPPORTED_DATES = ("1990-01-01", "2100-12-31")
# The day's consumption in MWh: the target, and the history a request may carry.
CONSUMPTION = "consumption_mwh"
# The day's consumption in MWh from midnight to the issue time (`forecast.issue_time`): how
# much of the day before the forecast is known when the forecast is issued.
CONSUMPTION_TO_ISSUE = "consumption_to_issue_mwh"
# RTE's own day-ahead forecast of the day ("Prévision J-1"), in MWh, where the export carries it:
# a benchmark beside the forecasts, never a model input.
RTE_J1 = "rte_j1_mwh"
# Plausible days of French consumption in MWh (the real 2012-2021 exports: 846,182 to
# 2,258,194): outside is broken data or a unit error, in exports and in requests alike.
DAILY_MWH_BOUNDS = (400_000.0, 3_000_000.0)
# The calendar the days are counted in; a date with a UTC offset is read as its Paris day.
PARIS = "Europe/Paris"
