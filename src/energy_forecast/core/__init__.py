"""What a served model carries and runs: features from raw inputs, the families' estimators,
the adapting and banded wrappers, their settings. It imports nothing of the pipeline (no DVC,
no MLflow tracking, no plotting), and it is the only code logged with a model."""
