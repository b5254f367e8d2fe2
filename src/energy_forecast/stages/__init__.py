"""Pipeline stages, one module each: read the params, call the library, write the outputs.

`python -m energy_forecast.runtime STAGE [FAMILY]` runs one, as `dvc.yaml` does.
"""
