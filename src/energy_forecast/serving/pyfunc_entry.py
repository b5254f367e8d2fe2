"""The served model's MLflow entry point: MLflow runs this file when it loads the model.

Logged as code ("models from code"), not pickled: the model directory holds this file, the
package (`code/energy_forecast`) and the estimator's skops file, nothing that runs on load but
reviewed code.
"""

import mlflow

from energy_forecast.modeling.model import ServedForecaster

mlflow.models.set_model(ServedForecaster())
