"""Training: the grids and their cross-validation, where the fits run, the scores, and a served
model saved as an MLflow model."""
