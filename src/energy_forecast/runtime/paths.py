"""Where the stages read and write, relative to the repository root."""

from pathlib import Path

RAW_CONSUMPTION = Path("data/raw/consumption.csv")
RAW_TEMPERATURE = Path("data/raw/temperature.csv")
# The weather forecasts the backtest reads with `backtest.weather: forecast`.
RAW_TEMPERATURE_FORECAST = Path("data/raw/temperature_forecast.csv")
# Which export each line of the raw files came from (`data.sources`).
RAW_SOURCES = Path("data/raw/sources.json")
EXTERNAL = Path("data/external")
DAILY = Path("data/processed/daily.parquet")
# The same days' intervals: each half-hour's (or hour's) mean power, and RTE's J-1 where given.
CURVE = Path("data/processed/curve.parquet")
MODELS = Path("models")
# One MLflow model per family, the aggregate of experts', and the selected one beside them.
FAMILY_MODELS = MODELS / "families"
AGGREGATE_MODEL = MODELS / "aggregate"
SERVED = MODELS / "model"
REPORTS = Path("reports")
TRAIN_REPORTS = REPORTS / "train"
AGGREGATE_REPORT = REPORTS / "aggregate.json"
FAMILIES_REPORT = REPORTS / "families.json"
PREDICTIONS = REPORTS / "predictions.csv"
METRICS = REPORTS / "metrics.json"
COMPARISON = REPORTS / "comparison.md"
DATA_QUALITY = REPORTS / "data_quality.json"
BACKTEST = REPORTS / "backtest.csv"
BACKTEST_SUMMARY = REPORTS / "backtest.json"
BACKTEST_METRICS = REPORTS / "backtest_metrics.json"
BACKTEST_MONTHLY = REPORTS / "backtest_monthly.csv"
BACKTEST_CURVE = REPORTS / "backtest_curve.csv"
# What the curve's plots draw: a winter week of it, and its MAPE by hour of the day.
BACKTEST_CURVE_WEEK = REPORTS / "backtest_curve_week.csv"
BACKTEST_CURVE_HOURS = REPORTS / "backtest_curve_hours.csv"


def candidate_model(name: str) -> Path:
    """The MLflow model folder of candidate `name`: a family, or `aggregate`."""
    return AGGREGATE_MODEL if name == "aggregate" else FAMILY_MODELS / name


def candidate_report(name: str) -> Path:
    """The report of how candidate `name` was chosen and fitted: `train@<name>`'s, or the
    `aggregate` stage's."""
    return AGGREGATE_REPORT if name == "aggregate" else TRAIN_REPORTS / f"{name}.json"
