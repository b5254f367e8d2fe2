"""`energy-forecast forecast` on the inputs a forecaster's morning brings: RTE's series, gaps
at the window's edge, stale or mistaken weather files, damaged models, full disks."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import yaml
from conftest import PARAMS, ROOT, cli, copy_repo, weather_archive

from energy_forecast.core.inputs import CONSUMPTION
from energy_forecast.data.temperature_export import read_temperature

pytestmark = pytest.mark.slow
PARIS = "Europe/Paris"


@pytest.fixture(scope="module")
def repo(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the trained repository for the module: its forecasts log to its own store."""
    return copy_repo(trained_repo, tmp_path_factory.mktemp("forecast") / "repo")


def last_day(repo: Path) -> pd.Timestamp:
    daily = pd.read_parquet(repo / "data/processed/daily.parquet")
    return pd.Timestamp(daily["date"].max())


def weather_file(
    repo: Path,
    path: Path,
    days: list[pd.Timestamp],
    issued: pd.Timestamp,
    convert=lambda celsius: celsius,
) -> Path:
    """Regional forecasts of `days` issued at `issued`: the last observed day's values."""
    observed = read_temperature(repo / "data/raw/temperature.csv")
    last = observed[observed["date"] == observed["date"].max()]
    rows = [
        {
            "issued_at": issued.isoformat(),
            "Date": day.strftime("%Y-%m-%d"),
            "Code INSEE région": int(row.region),
            "TMin (°C)": round(convert(row.min), 2),
            "TMax (°C)": round(convert(row.max), 2),
            "TMoy (°C)": round(convert(row.mean), 2),
        }
        for day in days
        for row in last.itertuples()
    ]
    pd.DataFrame(rows).to_csv(path, sep=";", index=False)
    return path


def forecast(repo: Path, day: pd.Timestamp, *options: str) -> subprocess.CompletedProcess[str]:
    return cli(repo, "forecast", "--date", day.strftime("%Y-%m-%d"), *options, check=False)


def one_error_line(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The command's one `error:` line, its last (a library's warning may come before it)."""
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == lines[-1:], done.stderr[-2000:]
    for text in expected:
        assert text in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def tomorrow(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.Timestamp, Path]:
    """The day after the data, and a good weather file for it issued at 06:00 on D-1."""
    day = last_day(repo) + pd.Timedelta(days=1)
    issued = (day - pd.Timedelta(days=1, hours=-6)).tz_localize(PARIS)
    folder = tmp_path_factory.mktemp("weather")
    days = [day - pd.Timedelta(days=1), day]
    return day, weather_file(repo, folder / "weather.csv", days, issued)


def entsoe_export(repo: Path, path: Path, first: pd.Timestamp, until: pd.Timestamp) -> Path:
    """The repository's consumption as an ENTSO-E export: each Paris day at its mean power,
    hourly from `first` to the instant `until` (UTC)."""
    daily = pd.read_parquet(repo / "data/processed/daily.parquet").set_index("date")
    hours = pd.date_range(first.tz_localize(PARIS), until, freq="1h", inclusive="left")
    days = hours.tz_convert(PARIS).tz_localize(None).normalize()
    last = daily.index.max()
    day_hours = pd.Series(hours.tz_convert(PARIS).tz_localize(None).normalize()).value_counts()
    power = [daily.at[min(d, last), CONSUMPTION] / day_hours[min(d, last)] for d in days]
    fmt = "%d.%m.%Y %H:%M"
    lines = [
        '"Time (UTC)","Day-ahead Total Load Forecast [MW] - BZN|FR",'
        '"Actual Total Load [MW] - BZN|FR"'
    ]
    for start, mw in zip(hours.tz_convert("UTC"), power, strict=True):
        span = f"{start:{fmt}} - {start + pd.Timedelta(hours=1):{fmt}}"
        lines.append(f'"{span}","{mw:.0f}","{mw:.0f}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_forecast_reads_an_entsoe_export_as_the_consumption(
    repo: Path, tomorrow, tmp_path: Path
) -> None:
    day, weather = tomorrow
    # Every hour to 09:00 Paris on D-1, nothing later.
    nine = (day - pd.Timedelta(days=1, hours=-9)).tz_localize(PARIS)
    export = entsoe_export(repo, tmp_path / "load.csv", day - pd.Timedelta(days=100), nine)
    done = forecast(repo, day, "--weather", str(weather), "--consumption", str(export))
    assert done.returncode == 0, done.stderr[-2000:]
    assert day.strftime("%Y-%m-%d") in done.stdout and "lower_80" in done.stdout


def test_missing_weather_and_consumption_files_are_one_error_each(
    repo: Path, tomorrow, tmp_path: Path
) -> None:
    day, weather = tomorrow
    missing = tmp_path / "nowhere.csv"
    one_error_line(forecast(repo, day, "--weather", str(missing)), str(missing), "no such file")
    one_error_line(forecast(repo, day, "--weather", str(tmp_path)), "is a directory")
    one_error_line(
        forecast(repo, day, "--weather", str(weather), "--consumption", str(missing)),
        str(missing),
        "no such file",
    )


def test_a_weather_file_in_fahrenheit_is_refused(repo: Path, tomorrow, tmp_path: Path) -> None:
    day, _ = tomorrow
    issued = (day - pd.Timedelta(days=1, hours=-6)).tz_localize(PARIS)
    days = [day - pd.Timedelta(days=1), day]
    # The last observed day of the synthetic data is in summer: convert a cool spring day's
    # values, which stay under 50 °F and so inside the plausible range of °C.
    fahrenheit = weather_file(
        repo, tmp_path / "f.csv", days, issued, convert=lambda c: min(c, 9.0) * 1.8 + 32
    )
    one_error_line(
        forecast(repo, day, "--weather", str(fahrenheit)),
        "a change over 12 °C in a day is not weather",
        "°F",
    )


def test_a_stale_or_misdated_weather_file_is_refused_saying_what_it_holds(
    repo: Path, tomorrow, tmp_path: Path
) -> None:
    day, _ = tomorrow
    days = [day - pd.Timedelta(days=1), day]
    month_old = (day - pd.Timedelta(days=31)).tz_localize(PARIS)
    stale = weather_file(repo, tmp_path / "stale.csv", days, month_old)
    one_error_line(forecast(repo, day, "--weather", str(stale)), "more than 48 hours before")
    issued = (day - pd.Timedelta(days=1, hours=-6)).tz_localize(PARIS)
    elsewhere = [d - pd.Timedelta(days=200) for d in days]
    wrong = weather_file(repo, tmp_path / "wrong.csv", elsewhere, issued)
    one_error_line(
        forecast(repo, day, "--weather", str(wrong)),
        f"forecasts of {elsewhere[0].date()} to {elsewhere[1].date()}",
        f"needs them of {days[0].date()} to {day.date()}",
    )


def test_a_day_before_the_export_says_what_the_export_covers(repo: Path, tomorrow) -> None:
    _, weather = tomorrow
    one_error_line(
        forecast(repo, pd.Timestamp("1990-01-01"), "--weather", str(weather)),
        "holds no complete day up to 1989-12-30 (it covers",
    )


def test_a_month_end_gap_at_the_window_start_is_interpolated(
    repo: Path, tomorrow, tmp_path: Path
) -> None:
    day, weather = tomorrow
    first = day - pd.Timedelta(days=PARAMS["adapt"]["warmup_days"])
    observed = (repo / "data/raw/temperature.csv").read_text(encoding="utf-8-sig")
    lines = observed.splitlines()
    # Region 11 lacks the window's first day, as the real export lacks month ends.
    gap = (f";{first:%Y-%m-%d};11;", f";{first:%d/%m/%Y};11;")
    kept = [line for line in lines if not any(g in line for g in gap)]
    assert len(kept) == len(lines) - 1
    temperature = tmp_path / "temperature.csv"
    temperature.write_text("\n".join(kept) + "\n", encoding="utf-8")
    consumption = repo / "data/raw/consumption.csv"
    done = forecast(
        repo,
        day,
        "--weather",
        str(weather),
        "--temperature",
        str(temperature),
        "--consumption",
        str(consumption),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    same = forecast(repo, day, "--weather", str(weather))
    assert same.returncode == 0
    # Interpolated from the day before the window: a forecast of the same size.
    assert done.stdout.splitlines()[-1][:10] == same.stdout.splitlines()[-1][:10]


def damaged_models(model: Path, folder: Path) -> dict[str, Path]:
    """Copies of `model`, each damaged as a disk, a sync or a hand edit damages one."""

    def copy(name: str) -> Path:
        target = folder / name
        shutil.copytree(model, target)
        return target

    damaged = {}
    target = copy("truncated_mlmodel")
    text = (target / "MLmodel").read_text()
    (target / "MLmodel").write_text(text[: len(text) // 3])
    damaged["truncated MLmodel"] = target
    target = copy("garbage_mlmodel")
    (target / "MLmodel").write_bytes(b"\xff\xfe\x00garbage\x9c")
    damaged["garbage MLmodel"] = target
    target = copy("empty_mlmodel")
    (target / "MLmodel").write_text("")
    damaged["empty MLmodel"] = target
    target = copy("truncated_estimator")
    estimator = target / "artifacts" / "estimator.skops"
    estimator.write_bytes(estimator.read_bytes()[:1000])
    damaged["truncated estimator"] = target
    target = copy("trimmed_trust")
    spec = yaml.safe_load((target / "MLmodel").read_text())
    spec["flavors"]["python_function"]["config"]["skops_trusted_types"] = []
    (target / "MLmodel").write_text(yaml.safe_dump(spec))
    damaged["trimmed trusted types"] = target
    target = copy("no_signature")
    spec = yaml.safe_load((target / "MLmodel").read_text())
    spec.pop("signature")
    (target / "MLmodel").write_text(yaml.safe_dump(spec))
    damaged["signature removed"] = target
    return damaged


def test_a_damaged_model_folder_is_one_error_naming_it(
    repo: Path, tomorrow, tmp_path: Path
) -> None:
    day, weather = tomorrow
    assert zipfile.is_zipfile(repo / "models/model/artifacts/estimator.skops")
    for what, model in damaged_models(repo / "models/model", tmp_path).items():
        done = forecast(repo, day, "--weather", str(weather), "--model", str(model))
        line = one_error_line(done, str(model), "cannot be loaded")
        assert len(line) < 600, (what, line)


def test_a_model_on_s3_without_credentials_is_one_error(
    repo: Path, tomorrow, monkeypatch: pytest.MonkeyPatch
) -> None:
    day, weather = tomorrow
    # No credentials anywhere, and no instance-metadata lookup off this machine.
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    done = forecast(repo, day, "--weather", str(weather), "--model", "s3://models/forecast")
    one_error_line(done, "s3://models/forecast", "cannot be loaded")


def forecast_runs(repo: Path) -> list:
    store = mlflow.MlflowClient(f"sqlite:///{repo / 'mlflow.db'}")
    experiment = store.get_experiment_by_name(PARAMS["mlflow"]["experiment"])
    return store.search_runs(
        [experiment.experiment_id], "attributes.run_name = 'forecast'", max_results=1000
    )


def test_an_output_that_cannot_be_written_fails_the_run_and_writes_nothing(
    repo: Path, tomorrow, tmp_path: Path
) -> None:
    day, weather = tomorrow
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    subprocess.run(["chattr", "+i", str(readonly)], check=False, capture_output=True)
    try:
        before = {r.info.run_id for r in forecast_runs(repo)}
        done = forecast(repo, day, "--weather", str(weather), "--output", str(readonly / "f.json"))
        one_error_line(done, str(readonly))
        (run,) = [r for r in forecast_runs(repo) if r.info.run_id not in before]
        assert run.info.status == "FAILED"
        assert list(readonly.iterdir()) == []
    finally:
        subprocess.run(["chattr", "-i", str(readonly)], check=False, capture_output=True)


def test_a_full_disk_is_one_error_naming_the_output(repo: Path, tomorrow, tmp_path: Path) -> None:
    day, weather = tomorrow
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        (disk / "filler").write_bytes(b"x" * 4096)
        output = disk / "tomorrow.json"
        done = forecast(repo, day, "--weather", str(weather), "--output", str(output))
        one_error_line(done, str(output), "No space left on device")
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_every_day_of_a_month_is_forecast_from_an_export_without_month_ends(
    repo: Path, tmp_path: Path
) -> None:
    """The real export lacks most month-end days since 2024: every window of March 2017 starts,
    ends or runs through such gaps (31 December, 31 January, 28 February, D-1 on 1 March)."""
    from energy_forecast.issuing import Issue
    from energy_forecast.modeling.saving import required_columns
    from energy_forecast.runtime.settings import load
    from energy_forecast.serving.forecast import forecast_request

    observed = repo / "data/raw/temperature.csv"
    lines = observed.read_text(encoding="utf-8-sig").splitlines()
    month_ends = pd.date_range("2016-06-30", "2017-03-31", freq="ME")
    ends = tuple(f";{d:%Y-%m-%d};" for d in month_ends)
    gapped = tmp_path / "temperature.csv"
    kept = [line for line in lines if not any(end in line for end in ends)]
    assert len(lines) - len(kept) == 13 * len(month_ends)
    gapped.write_text("\n".join(kept) + "\n", encoding="utf-8")
    weather = weather_archive(observed, pd.Timestamp("2017-02-27"), tmp_path / "weather.csv")
    settings = load(repo / "params.yaml")
    columns = required_columns(mlflow.models.Model.load(str(repo / "models/model")))
    consumption = repo / "data/raw/consumption.csv"
    for day in pd.date_range("2017-03-01", "2017-03-31"):
        issue = Issue(day, 1, "09:00")
        request = forecast_request(issue, columns, consumption, gapped, weather, settings)
        assert len(request) == 91 and request[columns[1:]].notna().all().all(), day
        # A month-end day is interpolated between the days either side of it.
        inside = request[request["date"].isin(month_ends.strftime("%Y-%m-%d"))]
        assert len(inside) >= 2, day


@pytest.mark.real_data
def test_every_day_of_may_2021_is_forecast_from_the_real_exports(
    real_files_2021, tmp_path: Path
) -> None:
    """The real temperature export lacks 2021-04-30 in every region: windows run through it,
    and on 2 May it is the last whole day, interpolated up to the forecast of 1 May."""
    from energy_forecast.issuing import Issue
    from energy_forecast.runtime.settings import load
    from energy_forecast.serving.forecast import forecast_request

    consumption, temperature = real_files_2021
    observed = read_temperature(temperature)
    assert not (observed["date"] == "2021-04-30").any()
    # The 2021 rows of the consumption export: the windows need nothing older.
    lines = consumption.read_text(encoding="utf-8-sig").splitlines()
    recent = tmp_path / "consumption.csv"
    kept = [lines[0], *(line for line in lines[1:] if line.startswith("2021-"))]
    recent.write_text("\n".join(kept) + "\n", encoding="utf-8")
    # Forecasts of each day of May, issued the day before and on the day: its observations.
    weather = tmp_path / "weather.csv"
    temperature_may = tmp_path / "observed_may.csv"
    may = [
        line
        for line in temperature.read_text(encoding="utf-8-sig").splitlines()
        if line.startswith("ID") or "/05/21;" in line
    ]
    temperature_may.write_text("\n".join(may) + "\n", encoding="utf-8")
    weather_archive(temperature_may, pd.Timestamp("2021-05-01"), weather)
    settings = load(ROOT / "params.yaml")
    columns = ["date", "wavg_min_temperature", "wavg_mean_temperature"]
    for day in pd.date_range("2021-05-02", "2021-05-31"):
        request = forecast_request(
            Issue(day, 1, "09:00"), columns, recent, temperature, weather, settings
        )
        assert len(request) == 91 and request[columns[1:]].notna().all().all(), day
        assert (request["date"] == "2021-04-30").any(), day
