"""Cross-validation folds and the choice of the promoted family."""

from __future__ import annotations

import pytest

from energy_forecast.errors import InputError
from energy_forecast.training import folds, promoted_family


def test_every_fold_trains_on_at_least_min_train_days() -> None:
    params = {"cv": {"folds": 3, "min_train_days": 365}}
    splits = list(folds(params, 731).split(range(731)))
    assert [len(train) for train, _ in splits] == [365, 487, 609]
    assert [len(valid) for _, valid in splits] == [122, 122, 122]
    assert all(train.max() < valid.min() for train, valid in splits)
    with pytest.raises(InputError, match=r"cv\.min_train_days"):
        folds({"cv": {"folds": 3, "min_train_days": 730}}, 731)


def test_promotion_by_name_or_by_cv() -> None:
    cv = {"knn": {"rmse": 3.0, "mape": 1.0}, "ridge": {"rmse": 2.0, "mape": 2.0}}
    params = {"families": dict.fromkeys(cv), "model": "auto", "select": {"metric": "rmse"}}
    assert promoted_family(params, cv) == "ridge"
    assert promoted_family(params | {"select": {"metric": "mape"}}, cv) == "knn"
    assert promoted_family(params | {"model": "knn"}, cv) == "knn"
    with pytest.raises(InputError, match="model: expected 'auto' or a trained family"):
        promoted_family(params | {"model": "prophet"}, cv)
