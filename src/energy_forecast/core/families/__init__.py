"""Model families: each module builds a scikit-learn estimator from one grid configuration.

A family module defines `estimator(**settings) -> BaseEstimator`, where the settings are one
point of its grid in `params.yaml`, and `TRUSTED_TYPES`: the types, beyond those skops trusts
by default, that its models may hold. A saved model trusts only those it actually holds.
"""

from __future__ import annotations

import importlib
from types import ModuleType

FAMILIES = ("knn", "mlp", "ptg", "ridge", "gbm", "blend")


def family(name: str) -> ModuleType:
    if name not in FAMILIES:
        raise KeyError(name)
    return importlib.import_module(f"energy_forecast.core.families.{name}")
