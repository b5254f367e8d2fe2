"""The served model's MLflow entry point: MLflow runs this file when it loads the model.

Logged as code ("models from code"), not pickled: the model directory holds this file, the
core package (`code/energy_forecast/core`) and the estimator's skops file, nothing that runs
on load but reviewed code.
"""

import mlflow

from energy_forecast.core.served import ServedForecaster

mlflow.models.set_model(ServedForecaster())
