"""Test-period accuracy on the real RTE files: the article's best run against ours.

    python benchmarks/accuracy.py

Runs the whole pipeline (`dvc repro`) with data.source: files on the real exports, training
on 2016-2017 and testing on 2018; CV inside 2016-2017 picks every model. Then prints, on the
same 2018 days, the article's configuration (KNN, 5 neighbours, distance weights, its 11
features unscaled) and our selected model, and every family's test metrics.
Goals: selected MAPE <= 1.5 % and RMSE <= a third of the article configuration's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
from _workspace import BIN, SHARED, env, workspace
from sklearn.neighbors import KNeighborsRegressor

from energy_forecast.core.features import required_inputs
from energy_forecast.core.served import make_model
from energy_forecast.modeling.metrics import scores
from energy_forecast.modeling.saving import request_frame
from energy_forecast.modeling.training import feature_set, split
from energy_forecast.runtime.settings import load

REAL = {
    "data": {"source": "files", "start": "2016-01-01", "end": "2018-12-31"},
    "split": {"test_start": "2018-01-01", "test_end": "2018-12-31"},
}


def main() -> None:
    consumption = SHARED / "consommation-quotidienne-brute_2012-2018.csv"
    if not consumption.exists():
        sys.exit("the real RTE exports in ../shared/data/odre are absent")
    repo = workspace(REAL)
    shutil.copy(consumption, repo / "data/external/consommation-quotidienne-brute.csv")
    shutil.copy(
        SHARED / "temperature-quotidienne-regionale_2016-2018_ddmmyy.csv",
        repo / "data/external/temperature-quotidienne-regionale.csv",
    )
    subprocess.run(
        [str(BIN / "dvc"), "repro"], cwd=repo, env=env(), check=True, capture_output=True
    )

    settings = load(repo / "params.yaml")
    train, test = split(pd.read_parquet(repo / "data/processed/daily.parquet"), settings)
    features = feature_set(settings, "all", "article")
    article = make_model(
        features,
        settings.feature_settings,
        KNeighborsRegressor(n_neighbors=5, weights="distance"),
    )
    columns = required_inputs(features)
    article.fit(request_frame(train, columns), train["consumption_mwh"])
    baseline = scores(test["consumption_mwh"], article.predict(request_frame(test, columns)))

    metrics = json.loads((repo / "reports/metrics.json").read_text())
    # Like with like: the article's KNN is static, so ours is its static forecast too.
    ours = metrics["test"]["static"]
    print(
        f"train {train['date'].min():%Y-%m-%d}..{train['date'].max():%Y-%m-%d} "
        f"({len(train)} days), test {test['date'].min():%Y-%m-%d}.."
        f"{test['date'].max():%Y-%m-%d} ({len(test)} days), real RTE files"
    )
    print(f"{'':<44}{'MAPE %':>8}{'RMSE MWh':>12}")
    print(
        f"{'article: KNN 5, distance, 11 features':<44}{baseline['mape']:8.2f}"
        f"{baseline['rmse']:12,.0f}"
    )
    print(
        f"{'ours: ' + metrics['model'] + ' static (selected)':<44}{ours['mape']:8.2f}"
        f"{ours['rmse']:12,.0f}"
    )
    print(
        f"{'ours / article':<44}{ours['mape'] / baseline['mape']:8.3f}"
        f"{ours['rmse'] / baseline['rmse']:12.3f}"
    )
    print("goals: MAPE <= 1.5 %, RMSE ratio <= 0.333\n")
    print("every family on 2018 (reports/families.json):")
    for name, test_metrics in json.loads((repo / "reports/families.json").read_text()).items():
        cv = json.loads((repo / f"reports/train/{name}.json").read_text())
        static = test_metrics["static"]
        print(
            f"  {name:<6} static test MAPE {static['mape']:5.2f} %  RMSE "
            f"{static['rmse']:8,.0f}   CV MAPE {cv['cv']['mape']:5.2f} %  "
            f"({cv['feature_set']}, {cv['params']})"
        )
    print(f"\n{(repo / 'reports/comparison.md').read_text()}")


if __name__ == "__main__":
    main()
