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
MODELS = Path("models")
# One MLflow model per family; the selected one beside them.
FAMILY_MODELS = MODELS / "families"
PROMOTED = MODELS / "model"
REPORTS = Path("reports")
TRAIN_REPORTS = REPORTS / "train"
FAMILIES_REPORT = REPORTS / "families.json"
PREDICTIONS = REPORTS / "predictions.csv"
METRICS = REPORTS / "metrics.json"
COMPARISON = REPORTS / "comparison.md"
DATA_QUALITY = REPORTS / "data_quality.json"
BACKTEST = REPORTS / "backtest.csv"
BACKTEST_SUMMARY = REPORTS / "backtest.json"
BACKTEST_METRICS = REPORTS / "backtest_metrics.json"
BACKTEST_MONTHLY = REPORTS / "backtest_monthly.csv"
