"""Forecast France's daily electricity consumption from the calendar and temperatures."""

import pkgutil

# A served model carries the core alone as `energy_forecast` (its code directory, which MLflow
# puts first on sys.path): the rest of the package is then still found where it is installed.
__path__ = pkgutil.extend_path(__path__, __name__)
__version__ = "0.1.0"
