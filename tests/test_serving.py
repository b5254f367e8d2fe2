"""The selected model behind a real `mlflow models serve` on 127.0.0.1, and batch predict."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import requests
from conftest import BIN, PARAMS, cli, env, run

from energy_forecast.core.inputs import CONSUMPTION, CONSUMPTION_TO_ISSUE
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.temperature import national_temperatures
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.modeling.saving import request_frame, required_columns
from energy_forecast.runtime.paths import candidate_model
from energy_forecast.serving.server import local_server
from energy_forecast.tracking import lineage

pytestmark = pytest.mark.slow
# What `energy-forecast predict` writes: the date, the forecast and its bands.
ANSWER_COLUMNS = ["date", "consumption_mwh", "lower_80", "upper_80", "lower_95", "upper_95"]


@pytest.fixture(scope="module")
def server(trained_repo: Path) -> Iterator[tuple[str, Path]]:
    model = trained_repo / "models/model"
    with local_server(model, cwd=trained_repo, env=env()) as url:
        yield url, model


def predict(
    repo: Path,
    model: str | Path,
    source: Path,
    output: Path,
    *options: str,
    check: bool = True,
    console: bool = False,
):
    """`energy-forecast predict` in `repo`: in this process, or from the console script as a
    user runs it."""
    args = ["predict", "--model", str(model), "--temperature", str(source), "--output", str(output)]
    if console:
        return run(repo, str(BIN / "energy-forecast"), *args, *options, check=check)
    return cli(repo, *args, *options, check=check)


def request_rows(model: Path, n: int = 40) -> pd.DataFrame:
    columns = required_columns(mlflow.models.Model.load(str(model)))
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"date": pd.date_range("2019-01-01", periods=n).strftime("%Y-%m-%d")})
    for column in columns[1:]:
        frame[column] = np.round(rng.uniform(-5, 30, n), 2)
    return frame


def test_ping_and_version(server) -> None:
    url, _ = server
    assert requests.get(f"{url}/ping", timeout=5).status_code == 200
    assert requests.get(f"{url}/version", timeout=5).text == mlflow.__version__


def test_three_request_formats_match_the_loaded_model(server) -> None:
    url, model = server
    frame = request_rows(model)
    expected = mlflow.pyfunc.load_model(str(model)).predict(frame)
    split = {"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}
    records = {"dataframe_records": frame.to_dict(orient="records")}
    for body, content_type in (
        (json.dumps(split), "application/json"),
        (json.dumps(records), "application/json"),
        (frame.to_csv(index=False), "text/csv"),
    ):
        answer = requests.post(
            f"{url}/invocations", data=body, timeout=30, headers={"Content-Type": content_type}
        )
        assert answer.status_code == 200, answer.text
        served = pd.DataFrame(answer.json()["predictions"])
        assert list(served.columns) == ANSWER_COLUMNS[1:]
        np.testing.assert_allclose(served.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_a_request_can_ask_for_the_point_forecast_only(server) -> None:
    url, model = server
    frame = request_rows(model, 5)
    body = {"dataframe_records": frame.to_dict(orient="records"), "params": {"point_only": True}}
    answer = requests.post(f"{url}/invocations", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    expected = mlflow.pyfunc.load_model(str(model)).predict(frame)["consumption_mwh"]
    assert answer.json()["predictions"] == [{"consumption_mwh": v} for v in expected]


def test_a_request_can_ask_for_the_curve_whose_energy_is_the_daily_answer(server) -> None:
    url, model = server
    frame = request_rows(model, 5)
    records = frame.to_dict(orient="records")
    daily = requests.post(f"{url}/invocations", json={"dataframe_records": records}, timeout=30)
    assert daily.status_code == 200, daily.text
    days = pd.DataFrame(daily.json()["predictions"])
    for resolution, hours in (("30min", 0.5), ("1h", 1.0)):
        body = {"dataframe_records": records, "params": {"resolution": resolution}}
        answer = requests.post(f"{url}/invocations", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        curve = pd.DataFrame(answer.json()["predictions"])
        assert list(curve.columns) == [
            "date",
            "start",
            "start_paris",
            "forecast_mw",
            *ANSWER_COLUMNS[2:],
        ]
        assert curve.groupby("date").size().tolist() == [int(24 / hours)] * 5
        assert curve["start"].iloc[0] == "2018-12-31T23:00:00Z"
        assert curve["start_paris"].iloc[0] == "2019-01-01T00:00:00+01:00"
        energy = (curve["forecast_mw"] * hours).groupby(curve["date"]).sum()
        np.testing.assert_allclose(energy, days[CONSUMPTION], rtol=1e-9)
        assert (curve["lower_80"] < curve["forecast_mw"]).all()
    # A forecast's history, whose consumption the request carries, is context: the curve
    # answers the days forecast.
    history = [r | {CONSUMPTION: 1.5e6} for r in records[:3]] + records[3:]
    body = {"dataframe_records": history, "params": {"resolution": "1h"}}
    answer = requests.post(f"{url}/invocations", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    answered = pd.DataFrame(answer.json()["predictions"])["date"].unique().tolist()
    assert answered == frame["date"].iloc[3:].tolist()
    # The daily row stays the default answer; a resolution the model has not is refused.
    body = {"dataframe_records": records, "params": {"resolution": "1d"}}
    assert requests.post(f"{url}/invocations", json=body, timeout=30).json() == daily.json()
    body["params"] = {"resolution": "15min"}
    refused = requests.post(f"{url}/invocations", json=body, timeout=30)
    assert refused.status_code == 400
    assert "params.resolution: expected one of ['30min', '1h', '1d'], got '15min'" in refused.text


def test_bad_requests_get_400_and_the_server_keeps_serving(server) -> None:
    url, model = server
    good = request_rows(model, 3)
    temperature = good.columns[1]

    def with_value(column: str, value) -> dict:
        frame = good.astype(object)
        frame.loc[1, column] = value
        return {
            "dataframe_split": {"columns": list(frame.columns), "data": frame.to_numpy().tolist()}
        }

    renamed = good.rename(columns={temperature: "wavg_mean_temp"})
    cases = [
        (
            {"dataframe_split": json.loads(renamed.to_json(orient="split", index=False))},
            temperature,
        ),
        (with_value("date", "2019-02-30"), "row 1"),
        # MLflow converts temperatures to the signature's double before the model runs: its
        # message names the column and the value.
        (with_value(temperature, "warm"), "'warm'"),
        (with_value(temperature, None), "row 1"),
        (with_value(temperature, -45.0), "row 1"),
        (with_value(temperature, 55.0), "row 1"),
        ({"dataframe_split": {"columns": list(good.columns), "data": []}}, "no rows"),
        (with_value("date", "9999-01-01"), "outside the supported dates 1990-01-01 to 2100-12-31"),
        (with_value("date", "0001-01-01"), "outside the supported dates"),
        (with_value("date", "x" * 10_000_000), "... (10,000,000 characters)"),
        # A history ten times too large, or in GWh: a unit error, not a day.
        (with_consumption(good, 1, 1.5e7), "row 1: 15,000,000 MWh is outside"),
        (with_consumption(good, 1, 1.5e3), "row 1: 1,500 MWh is outside"),
        # The morning of a day cannot hold more than the whole day.
        (
            with_consumption(good.assign(**{CONSUMPTION_TO_ISSUE: 1.6e6}), 2, 1.5e6),
            "row 0: 1,600,000 MWh to the issue time is more than the whole day's 1,500,000",
        ),
    ]
    for body, expected in cases:
        answer = requests.post(f"{url}/invocations", json=body, timeout=30)
        assert answer.status_code == 400, (body, answer.text)
        message = answer.json()["message"]
        assert expected in message, message[:500]
        assert len(answer.text) < 5_000
        if expected.startswith(("row", "'")):
            named = (temperature, "'date'", f"'{CONSUMPTION}'", f"'{CONSUMPTION_TO_ISSUE}'")
            assert any(column in message for column in named), message[:300]
        if expected not in (temperature, "'warm'"):
            # Refused by the model: the reason alone, not after a dump of the request frame.
            assert message.startswith("request"), message[:300]
        ok = requests.post(
            f"{url}/invocations",
            timeout=30,
            json={"dataframe_split": json.loads(good.to_json(orient="split", index=False))},
        )
        assert ok.status_code == 200 and len(ok.json()["predictions"]) == 3


def with_consumption(frame: pd.DataFrame, row: int, value: float) -> dict:
    """A request of `frame` with a plausible known consumption, but `value` on `row`."""
    known = frame.assign(**{CONSUMPTION: 1.5e6}).astype(object)
    known.loc[row, CONSUMPTION] = value
    return {"dataframe_split": {"columns": list(known.columns), "data": known.to_numpy().tolist()}}


def test_a_date_with_a_utc_offset_is_its_paris_day(server) -> None:
    url, model = server
    plain = request_rows(model, 3)
    # Paris midnight written with its offset, and 23:30 UTC the day before (00:30 in Paris).
    second = pd.Timestamp(plain["date"][1]) - pd.Timedelta(minutes=30)
    offsets = plain.assign(
        date=[f"{plain['date'][0]}T00:00:00+01:00", f"{second:%Y-%m-%dT%H:%M}Z", plain["date"][2]]
    )
    assert_same_answers(url, plain, offsets)


def assert_same_answers(url: str, plain: pd.DataFrame, other: pd.DataFrame) -> None:
    """The server answers `other` exactly as `plain`, both with 200."""
    answers = [
        requests.post(
            f"{url}/invocations",
            json={"dataframe_split": json.loads(frame.to_json(orient="split", index=False))},
            timeout=30,
        )
        for frame in (plain, other)
    ]
    assert [a.status_code for a in answers] == [200, 200], answers[1].text[:500]
    assert answers[1].json() == answers[0].json()


def paris_midnights(dates: pd.Series) -> list[str]:
    """Each day as its Paris midnight with the UTC offset of that moment."""
    midnights = pd.to_datetime(dates).dt.tz_localize("Europe/Paris")
    return [m.isoformat() for m in midnights]


def test_a_history_dated_with_offsets_across_a_clock_change_answers_as_plain_dates(
    server, trained_repo: Path
) -> None:
    url, model = server
    daily = pd.read_parquet(trained_repo / "data/processed/daily.parquet")
    # 91 days to 31 October 2016: the offset goes from +02:00 to +01:00 on the 30th.
    rows = daily[(daily["date"] > "2016-08-01") & (daily["date"] <= "2016-10-31")]
    plain = request_frame(rows, required_columns(mlflow.models.Model.load(str(model))))
    plain[CONSUMPTION] = [*rows[CONSUMPTION].iloc[:-1], None]
    offsets = plain.assign(date=paris_midnights(plain["date"]))
    assert {d[-6:] for d in offsets["date"]} == {"+02:00", "+01:00"}
    assert_same_answers(url, plain, offsets)


def test_a_date_in_iso_basic_form_is_refused_not_read_as_another_day(server) -> None:
    url, model = server
    frame = request_rows(model, 3).astype(object)
    for written in ("20161030", 20161030):
        frame.loc[1, "date"] = written
        body = {"dataframe_split": {"columns": list(frame.columns), "data": frame.values.tolist()}}
        answer = requests.post(f"{url}/invocations", json=body, timeout=30)
        assert answer.status_code == 400, answer.text[:300]
        message = answer.json()["message"]
        assert f"row 1: {written!r} is not a date; expected YYYY-MM-DD" in message, message


@pytest.mark.real_data
def test_batch_predict_on_both_temperature_variants(
    trained_repo: Path, real_files, tmp_path: Path
) -> None:
    _, iso, ddmmyy = real_files
    outputs = []
    for source in (iso, ddmmyy):
        output = tmp_path / f"{source.stem}.csv"
        predict(trained_repo, "models/model", source, output)
        outputs.append(pd.read_csv(output))
    iso_out, dd_out = outputs
    assert list(dd_out.columns) == ANSWER_COLUMNS
    assert len(dd_out) == len(iso_out) == 1096  # the ISO file's two missing days interpolated
    close = np.isclose(iso_out["consumption_mwh"], dd_out["consumption_mwh"], rtol=2e-3)
    assert close.mean() > 0.99
    assert dd_out["consumption_mwh"].between(0.8e6, 3.0e6).all()


def test_batch_predict_on_a_national_csv_and_its_errors(trained_repo: Path, tmp_path: Path) -> None:
    model = trained_repo / "models/model"
    frame = request_rows(model, 10)
    source, output = tmp_path / "national.csv", tmp_path / "forecast.csv"
    frame.to_csv(source, index=False)
    predict(trained_repo, model, source, output, console=True)
    expected = mlflow.pyfunc.load_model(str(model)).predict(frame)
    written = pd.read_csv(output).drop(columns="date")
    np.testing.assert_allclose(written, expected, atol=0.06)
    predict(trained_repo, model, source, output, "--point-only")
    assert list(pd.read_csv(output).columns) == ["date", "consumption_mwh"]

    frame = frame.astype(object)
    frame.loc[4, frame.columns[1]] = "n/a"
    frame.to_csv(source, index=False)
    output.unlink()
    done = predict(trained_repo, model, source, output, check=False)
    assert done.returncode == 2
    assert f"{source}, column '{frame.columns[1]}': line 6: 'n/a'" in done.stderr
    assert not output.exists() and list(tmp_path.iterdir()) == [source]
    frame.loc[4, frame.columns[1]] = 5.0
    frame.to_csv(source, index=False)
    unwritable = predict(trained_repo, model, source, Path("/sys/forecast.csv"), check=False)
    assert unwritable.returncode == 2
    assert unwritable.stderr.splitlines() == [
        "error: /sys: cannot write forecast.csv in this folder (Permission denied); "
        "expected a writable one"
    ]
    missing = predict(trained_repo, "models/nope", source, output, check=False)
    assert missing.returncode == 2
    assert missing.stderr.startswith(
        f"error: {trained_repo / 'models/nope'}: holds no MLflow model (no MLmodel file)"
    )


def test_batch_predict_from_the_registry_alias(trained_repo: Path, tmp_path: Path) -> None:
    model = trained_repo / "models/model"
    frame = request_rows(model, 5)
    source, output = tmp_path / "national.csv", tmp_path / "forecast.csv"
    frame.to_csv(source, index=False)
    predict(trained_repo, "models:/electricity-consumption-forecast@champion", source, output)
    assert len(pd.read_csv(output)) == 5


def test_served_model_agrees_with_the_pipeline_given_the_preceding_days(trained_repo: Path) -> None:
    """The ridge looks back 28 days (slow smoothing): send 27 days before the days wanted.

    The first test days are the telling ones: evaluate gives them the last training days'
    weather, as a forecaster would have it.
    """
    from energy_forecast.modeling.saving import request_frame

    model = mlflow.pyfunc.load_model(str(trained_repo / "models/families/ridge"))
    columns = required_columns(model.metadata)
    daily = pd.read_parquet(trained_repo / "data/processed/daily.parquet")
    predictions = pd.read_csv(trained_repo / "reports/predictions.csv")
    first = int(np.flatnonzero(daily["date"] == pd.Timestamp(predictions["date"].iloc[0]))[0])
    pipeline = predictions["ridge"].head(10)
    request = (
        request_frame(daily, columns).iloc[first - 27 : first + 10].sample(frac=1.0, random_state=1)
    )
    forecast = model.predict(request)["consumption_mwh"].to_numpy()
    served = pd.Series(forecast, index=request.index).sort_index().tail(10)
    np.testing.assert_allclose(served.to_numpy(), pipeline.to_numpy(), atol=0.06)
    alone = model.predict(request_frame(daily, columns).iloc[first : first + 1])
    assert abs(alone["consumption_mwh"].iloc[0] - pipeline.iloc[0]) > 1.0


def test_served_backtest_and_batch_answer_the_same_request_alike(
    trained_repo: Path, tmp_path: Path
) -> None:
    """Day D from the request a forecaster sends at 09:00 on D - 1: the warm-up days, the
    whole consumption up to D - 2, and each day's consumption to 09:00 up to D - 1. The
    backtest's first origin trains on the training period, as the selected family's model:
    the same forecast and bands."""
    selected = json.loads((trained_repo / "reports/metrics.json").read_text())["model"]
    model = trained_repo / candidate_model(selected)
    with local_server(model, cwd=trained_repo, env=env()) as url:
        backtest = pd.read_csv(trained_repo / "reports/backtest.csv")
        first_window = backtest[backtest["origin"] == backtest["origin"].iloc[0]]
        day = first_window.iloc[20]
        daily = pd.read_parquet(trained_repo / "data/processed/daily.parquet")
        dates = daily["date"]
        origin, target = pd.Timestamp(day["origin"]), pd.Timestamp(day["date"])
        rows = daily[(dates >= origin - pd.Timedelta(days=90)) & (dates <= target)]
        frame = request_frame(rows, required_columns(mlflow.models.Model.load(str(model))))
        yesterday = target - pd.Timedelta(days=1)
        known = {
            CONSUMPTION: rows[CONSUMPTION].where(rows["date"] < yesterday).to_numpy(),
            CONSUMPTION_TO_ISSUE: rows[CONSUMPTION_TO_ISSUE]
            .where(rows["date"] < target)
            .to_numpy(),
        }
        # Python's JSON writes floats exactly; trees split on values the history days share.
        sent = frame.assign(**known).astype(object)
        body = {"dataframe_split": sent.where(sent.notna(), None).to_dict(orient="split")}
        answer = requests.post(f"{url}/invocations", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        served = answer.json()["predictions"][-1]
        bands = ["lower_80", "upper_80", "lower_95", "upper_95"]
        assert served["consumption_mwh"] == pytest.approx(day["adaptive"], abs=0.051)
        # The tests calibrate on observed weather, as the backtest does with it: same bands.
        assert [served[b] for b in bands] == pytest.approx(day[bands].tolist(), abs=0.051)
        assert abs(day["adaptive"] - day["static"]) > 1.0

        temperature, history = tmp_path / "national.csv", tmp_path / "consumption.csv"
        frame.to_csv(temperature, index=False)
        pd.DataFrame({"date": frame["date"], **known}).iloc[:-1].to_csv(history, index=False)
        output = tmp_path / "forecast.csv"
        predict(trained_repo, model, temperature, output, "--consumption", str(history))
        batch = pd.read_csv(output).iloc[-1]
        assert batch[["consumption_mwh", *bands]].tolist() == pytest.approx(
            [served["consumption_mwh"], *(served[b] for b in bands)], abs=0.051
        )


def test_batch_predict_takes_the_consumption_known_so_far(
    trained_repo: Path, tmp_path: Path
) -> None:
    model = trained_repo / "models/model"
    daily = pd.read_parquet(trained_repo / "data/processed/daily.parquet")
    rows = daily[daily["date"] >= "2017-01-01"].head(40)
    frame = request_frame(rows, required_columns(mlflow.models.Model.load(str(model))))
    temperature, history = tmp_path / "national.csv", tmp_path / "consumption.csv"
    frame.to_csv(temperature, index=False)
    pd.DataFrame(
        {
            "date": frame["date"].head(30).to_numpy(),
            "consumption_mwh": rows["consumption_mwh"].head(30).to_numpy(),
        }
    ).to_csv(history, index=False)
    output = tmp_path / "forecast.csv"
    predict(trained_repo, model, temperature, output, "--consumption", str(history))
    written = pd.read_csv(output)
    assert list(written.columns) == ANSWER_COLUMNS
    known = rows["consumption_mwh"].to_numpy().copy()
    known[30:] = np.nan
    expected = mlflow.pyfunc.load_model(str(model)).predict(frame.assign(consumption_mwh=known))
    np.testing.assert_allclose(written.drop(columns="date"), np.round(expected, 1))
    static = mlflow.pyfunc.load_model(str(model)).predict(frame)
    assert not np.allclose(written["consumption_mwh"], np.round(static["consumption_mwh"], 1))


def weather_forecast(
    observed: pd.DataFrame, days: list[pd.Timestamp], issued: pd.Timestamp, shift: float
) -> list[dict]:
    """Regional forecast rows of `days`, issued at `issued`: the last observed day's values
    shifted by `shift` °C, so that they differ from any observation."""
    last = observed[observed["date"] == observed["date"].max()]
    return [
        {
            "issued_at": issued.isoformat(),
            "Date": day.strftime("%Y-%m-%d"),
            "Code INSEE région": int(row.region),
            "TMin (°C)": round(row.min + shift, 2),
            "TMax (°C)": round(row.max + shift, 2),
            "TMoy (°C)": round(row.mean + shift, 2),
        }
        for day in days
        for row in last.itertuples()
    ]


def test_the_forecast_command_answers_as_the_served_model_from_what_was_known_at_nine(
    server, trained_copy: Path, tmp_path: Path
) -> None:
    """Tomorrow's forecast from the exports and a weather forecast: the forecast issued by
    09:00 on D-1 is read, a later one never, nor D-1's observed temperatures."""
    url, model = server
    repo = trained_copy
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    yesterday = pd.Timestamp(daily["date"].max())
    day = yesterday + pd.Timedelta(days=1)
    observed = read_temperature(repo / "data/raw/temperature.csv")
    paris = "Europe/Paris"
    at_six = (yesterday + pd.Timedelta(hours=6)).tz_localize(paris)
    rows = weather_forecast(observed, [yesterday, day], at_six, shift=2.0)
    rows += weather_forecast(observed, [yesterday, day], at_six + pd.Timedelta(hours=4), 9.0)
    weather = tmp_path / "weather.csv"
    pd.DataFrame(rows).to_csv(weather, sep=";", index=False)
    output = tmp_path / "tomorrow.json"
    done = run(
        repo,
        str(BIN / "energy-forecast"),
        "forecast",
        "--date",
        day.strftime("%Y-%m-%d"),
        "--weather",
        str(weather),
        "--output",
        str(output),
    )
    assert day.strftime("%Y-%m-%d") in done.stdout and "lower_80" in done.stdout
    (written,) = json.loads(output.read_text())

    # The same request built here: observed days to D-2, the 06:00 forecast for D-1 and D.
    columns = required_columns(mlflow.models.Model.load(str(model)))
    past = daily[pd.to_datetime(daily["date"]) < yesterday]
    first = day - pd.Timedelta(days=90)
    past = past[pd.to_datetime(past["date"]) >= first]
    early = pd.DataFrame(rows[: 2 * len(REGIONS)])
    forecast = read_temperature_forecast_frame(early, tmp_path)
    ahead = national_temperatures(forecast, 2019, yesterday, day, max_gap_days=0)
    ahead = ahead.rename_axis("date").reset_index()
    request = pd.concat([past, ahead], ignore_index=True)
    yesterday_to_nine = daily[CONSUMPTION_TO_ISSUE].iloc[-1]
    request = request_frame(request, columns).assign(
        **{
            CONSUMPTION: [*past[CONSUMPTION], None, None],
            CONSUMPTION_TO_ISSUE: [*past[CONSUMPTION_TO_ISSUE], yesterday_to_nine, None],
        }
    )
    sent = request.astype(object)
    body = {"dataframe_split": sent.where(sent.notna(), None).to_dict(orient="split")}
    answer = requests.post(f"{url}/invocations", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    served = answer.json()["predictions"][-1]
    assert written == {"date": day.strftime("%Y-%m-%d")} | {
        k: round(v, 1) for k, v in served.items()
    }

    store = mlflow.MlflowClient(f"sqlite:///{repo / 'mlflow.db'}")
    experiment = store.get_experiment_by_name(PARAMS["mlflow"]["experiment"])
    (logged,) = store.search_runs([experiment.experiment_id], "attributes.run_name = 'forecast'")
    # Its link opens the run in the UI's training view, not the GenAI one.
    page = f"#/experiments/{experiment.experiment_id}/runs/{logged.info.run_id}"
    assert f"logged as http://127.0.0.1:5000/{page}?workflowType=machine_learning" in done.stderr
    assert logged.data.params["date"] == day.strftime("%Y-%m-%d")
    assert logged.data.params["issue_time"] == "09:00"
    assert logged.data.tags["forecast.weather.md5"] == lineage.md5(weather)
    assert logged.data.metrics["consumption_mwh"] == pytest.approx(served["consumption_mwh"])

    # The same forecast as a trader's 24 hours, Paris time; the file with UTC as well.
    hourly = tmp_path / "tomorrow_hours.csv"
    args = ["forecast", "--date", day.strftime("%Y-%m-%d"), "--weather", str(weather)]
    done = cli(repo, *args, "--resolution", "1h", "--output", str(hourly))
    printed = done.stdout.splitlines()
    assert printed[0].split()[:2] == ["start_paris", "forecast_mw"] and len(printed) == 25
    assert printed[1].split()[0] == f"{day.date()}T00:00:00+0{1 + (4 <= day.month <= 9)}:00"
    curve = pd.read_csv(hourly)
    assert len(curve) == 24 and curve["start"].iloc[0].endswith("Z")
    assert curve["forecast_mw"].sum() == pytest.approx(written[CONSUMPTION], abs=24 * 0.05)

    # Two days on, the consumption stops before the issue time: a clear error, nothing written.
    later = day + pd.Timedelta(days=1)
    failed = cli(
        repo,
        "forecast",
        "--date",
        later.strftime("%Y-%m-%d"),
        "--weather",
        str(weather),
        "--output",
        str(tmp_path / "later.json"),
        check=False,
    )
    assert failed.returncode != 0
    assert f"the consumption is complete to {yesterday.date()}" in failed.stderr
    assert not (tmp_path / "later.json").exists()
    # No weather forecast given or set: an error naming both ways to give one.
    unset = cli(repo, "forecast", check=False)
    assert unset.returncode != 0
    assert "pass --weather FILE (or openmeteo), or set" in unset.stderr


def read_temperature_forecast_frame(rows: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """Regional forecast rows as `read_temperature` returns observations."""
    path = folder / "forecast_rows.csv"
    rows.drop(columns="issued_at").to_csv(path, sep=";", index=False)
    return read_temperature(path)
