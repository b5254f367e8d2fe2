"""Parse the series RTE forecasts day-ahead: ENTSO-E Transparency and eCO2mix national exports.

Both carry RTE's "Prévision J-1" beside the load it targets, as average MW over intervals:
ENTSO-E's "Total Load - Day Ahead / Actual" (BZN|FR) over UTC intervals written
`dd.mm.yyyy HH:MM - dd.mm.yyyy HH:MM`, hourly then 15-minute; eCO2mix (`eco2mix-national-tr`,
`eco2mix-national-cons-def`) every 15 minutes at instants with their offset, not in time order;
RTE's annual eCO2mix exports (`eCO2mix_RTE_Annuel-Definitif_YYYY.xls`, `En-cours-Consolide`,
`En-cours-TR`, also inside RTE's zip) at Paris wall-clock times, the consumption every 30
minutes and RTE's J-1 every 15.

The same day energy as for ODRÉ's exports: a Paris day's energy is the sum of its intervals'
MW times their length, complete when its intervals cover its real length (23, 24 or 25 h).
Their known defects are resolved by documented rules and counted (`reports/data_quality.json`):

- `N/A` (a value missing) and `-` or blank (not published yet) leave their interval without a
  value; a day missing at most `max_missing_halfhours` half-hours' worth of them is completed
  by linear interpolation in time between the intervals either side, as ODRÉ's are; one with
  more is incomplete (`incomplete_days`). The last, partly published day is incomplete.
- Rows out of time order are put in order and counted; an interval given twice with one value
  is kept once and counted, with two values it is an error (no real export shows one).
- An eCO2mix value covers the export's step (the smallest spacing of its instants) from its
  instant.
- An annual export is a Latin-1, tab-separated text named `.xls`. Its consumption is that of
  the half-hour starting at a `:00` or `:30` row; the `:15` and `:45` rows leave it blank and
  give RTE's J-1 of their quarter-hour, averaged with the half-hour's first quarter
  (`quarter_hours_merged`). Every day has 96 rows: on the 23-hour day the rows of the hour that
  did not exist (02:00-02:45, whose values repeat their neighbours') are dropped
  (`spring_rows_dropped`); on the 25-hour day the hour that happened twice appears once, as its
  second occurrence (the value ODRÉ's export gives at 01:00 UTC), and the first, missing, is
  interpolated as a missing half-hour. The disclaimer after the data (and the blank lines
  around it) is not data (`footer_lines_dropped`). `ND` is a missing value.

RTE's forecast is kept beside the actual (`rte_j1_mwh`) where it covers the day completely:
a benchmark to set forecasts beside, never a model input.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from energy_forecast.core.calendar import day_hours
from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE, PARIS, RTE_J1
from energy_forecast.core.settings import issue_minutes
from energy_forecast.data import exports
from energy_forecast.data.exports import STATUS_ORDER
from energy_forecast.data.rows import fail_at, malformed, refuse_non_final
from energy_forecast.runtime.settings import QualityRules

ENTSOE_TIME = "Time (UTC)"
ENTSOE_FORECAST = "Day-ahead Total Load Forecast [MW] - BZN|FR"
ENTSOE_ACTUAL = "Actual Total Load [MW] - BZN|FR"
# eCO2mix's `Nature` as the status of ODRÉ's other exports.
ECO2MIX_STATUS = {
    "Données temps réel": "Temps réel",
    "Données consolidées": "Consolidé",
    "Données définitives": "Définitif",
}
# ENTSO-E publishes RTE's real-time figures (eCO2mix's `Consommation`), not a consolidated series.
ENTSOE_STATUS = "Temps réel"
# A value not available: ENTSO-E writes `N/A`, eCO2mix's annual exports `ND`.
MISSING = ("N/A", "ND")
UNPUBLISHED = ("-", "")
# What the annual exports' rules count per day (the other formats have none of these).
ANNUAL_COUNTS = ("spring_rows_dropped", "quarter_hours_merged", "footer_lines_dropped")


def series_format(header: str) -> str | None:
    """'entsoe', 'eco2mix' or 'eco2mix_annual' from an export's first line; None for another."""
    header = header.lstrip("\ufeff")
    names = [name.strip().strip('"') for name in header.split(",")]
    if names[0] == ENTSOE_TIME:
        return "entsoe"
    names = header.split(exports.SEPARATOR)
    if exports.ECO2MIX_ACTUAL in names and exports.ECO2MIX_FORECAST in names:
        return "eco2mix"
    names = header.split("\t")
    annual = (exports.ECO2MIX_ANNUAL_ACTUAL, exports.ECO2MIX_ANNUAL_FORECAST)
    if tuple(names[:4]) == exports.ECO2MIX_ANNUAL_COLUMNS and all(c in names for c in annual):
        return "eco2mix_annual"
    return None


def _table(text: str, path: Path, sep: str, required: list[str]) -> pd.DataFrame:
    """The export's rows as strings, with its `required` columns."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as err:
        raise malformed(err, path) from None
    return _checked_columns(frame, path, required)


def _checked_columns(frame: pd.DataFrame, path: Path, required: list[str]) -> pd.DataFrame:
    for column in required:
        if column not in frame.columns:
            raise InputError(
                f"missing column {column!r}; the header has {list(frame.columns)}",
                source=str(path),
                line=1,
            )
    if frame.empty:
        raise InputError("no data rows below the header", source=str(path), line=2)
    return frame


def _values(frame: pd.DataFrame, column: str, path: Path, rules: QualityRules) -> pd.DataFrame:
    """The column's MW (NaN where missing or unpublished) and which of the two each gap is."""
    text = frame[column].str.strip()
    missing = text.isin(MISSING).to_numpy()
    unpublished = text.isin(UNPUBLISHED).to_numpy()
    mw = pd.to_numeric(text.where(~(missing | unpublished)), errors="coerce")
    bad = mw.isna().to_numpy() & ~missing & ~unpublished
    fail_at(bad, frame, column, path, f"a number of MW, {' or '.join(MISSING)} or '-'")
    low, high = rules.halfhour_mw_bounds
    outside = mw.notna().to_numpy() & ((mw < low) | (mw > high)).to_numpy()
    fail_at(
        outside,
        frame,
        column,
        path,
        f"an average MW within data.quality.halfhour_mw_bounds [{low:g}, {high:g}]",
    )
    return pd.DataFrame({"mw": mw.to_numpy(), "missing": missing, "unpublished": unpublished})


def _entsoe_rows(text: str, path: Path, rules: QualityRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _table(text, path, ",", [ENTSOE_TIME, ENTSOE_ACTUAL, ENTSOE_FORECAST])
    parts = frame[ENTSOE_TIME].str.split(" - ", n=1, expand=True).reindex(columns=[0, 1])
    start, end = (
        pd.to_datetime(parts[i].str.strip(), format="%d.%m.%Y %H:%M", utc=True, errors="coerce")
        for i in (0, 1)
    )
    broken = (start.isna() | end.isna() | (end <= start)).to_numpy()
    fail_at(broken, frame, ENTSOE_TIME, path, "a UTC interval dd.mm.yyyy HH:MM - dd.mm.yyyy HH:MM")
    actual = _values(frame, ENTSOE_ACTUAL, path, rules)
    forecast = _values(frame, ENTSOE_FORECAST, path, rules)
    status = np.full(len(frame), ENTSOE_STATUS)
    return _rows(frame.index.to_numpy() + 2, start, end, actual, forecast, status), _no_counts()


def _eco2mix_status(frame: pd.DataFrame, path: Path) -> pd.Series:
    """Each row's `Nature` as the status of ODRÉ's other exports."""
    status = frame[exports.ECO2MIX_NATURE].str.strip().map(ECO2MIX_STATUS)
    fail_at(
        status.isna().to_numpy(),
        frame,
        exports.ECO2MIX_NATURE,
        path,
        f"one of {list(ECO2MIX_STATUS)}",
    )
    return status


def _eco2mix_rows(text: str, path: Path, rules: QualityRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _table(
        text,
        path,
        exports.SEPARATOR,
        [
            exports.ECO2MIX_NATURE,
            exports.ECO2MIX_INSTANT,
            exports.ECO2MIX_ACTUAL,
            exports.ECO2MIX_FORECAST,
        ],
    )
    start = pd.to_datetime(
        frame[exports.ECO2MIX_INSTANT], format="ISO8601", utc=True, errors="coerce"
    )
    fail_at(
        start.isna().to_numpy(),
        frame,
        exports.ECO2MIX_INSTANT,
        path,
        "an ISO 8601 time with offset",
    )
    status = _eco2mix_status(frame, path)
    instants = np.unique(start.to_numpy())
    step = pd.Timedelta(np.diff(instants).min()) if len(instants) > 1 else pd.Timedelta("15min")
    actual = _values(frame, exports.ECO2MIX_ACTUAL, path, rules)
    forecast = _values(frame, exports.ECO2MIX_FORECAST, path, rules)
    rows = _rows(
        frame.index.to_numpy() + 2, start, start + step, actual, forecast, status.to_numpy()
    )
    return rows, _no_counts()


def _no_counts() -> pd.DataFrame:
    return pd.DataFrame(columns=list(ANNUAL_COUNTS), dtype=int)


def _annual_table(text: str, path: Path) -> pd.DataFrame:
    """The annual export's data rows as strings, each labelled by its line less 2 (as
    `fail_at` names lines), without the disclaimer and blank lines; a column of the number of
    those dropped after each row (`footer_lines_dropped`)."""
    header, *body = text.removesuffix("\n").split("\n")
    dropped = np.array(
        [not line.strip() or line.startswith(exports.ECO2MIX_ANNUAL_DISCLAIMER) for line in body]
    )
    kept = np.flatnonzero(~dropped)
    # Each data row ends in a tab the header does not.
    data = "\n".join([header, *(body[i].removesuffix("\t") for i in kept)])
    try:
        frame = pd.read_csv(io.StringIO(data), sep="\t", dtype=str, keep_default_na=False)
    except pd.errors.ParserError as err:
        raise malformed(err, path) from None
    required = [
        exports.ECO2MIX_NATURE,
        exports.ECO2MIX_DATE,
        exports.ECO2MIX_ANNUAL_COLUMNS[3],
        exports.ECO2MIX_ANNUAL_ACTUAL,
        exports.ECO2MIX_ANNUAL_FORECAST,
    ]
    frame = _checked_columns(frame, path, required)
    frame.index = pd.Index(kept)
    # A footer line belongs to the data row before it.
    owner = np.searchsorted(kept, np.flatnonzero(dropped)) - 1
    footer = np.bincount(owner[owner >= 0], minlength=len(kept))
    return frame.assign(footer_lines_dropped=footer)


def _first_occurrences(rows: pd.DataFrame, wall: pd.Series) -> pd.DataFrame:
    """The half-hours of the 25-hour day's first, summer-time occurrence of the repeated hour,
    which the annual export leaves out: without a value, to be completed as missing half-hours
    are (on the line of their second occurrence)."""
    repeated = wall.dt.tz_localize(PARIS, ambiguous="NaT", nonexistent="NaT").isna().to_numpy()
    first = wall[repeated].dt.tz_localize(PARIS, ambiguous=np.ones(repeated.sum(), bool))
    start = first.dt.tz_convert("UTC").to_numpy()
    return rows[repeated].assign(
        start=start, end=start + pd.Timedelta(minutes=30), mw=np.nan, forecast_mw=np.nan
    )


def _annual_rows(text: str, path: Path, rules: QualityRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _annual_table(text, path)
    time = exports.ECO2MIX_ANNUAL_COLUMNS[3]
    wall = pd.to_datetime(
        frame[exports.ECO2MIX_DATE].str.strip() + " " + frame[time].str.strip(),
        format="%Y-%m-%d %H:%M",
        errors="coerce",
    )
    fail_at(wall.isna().to_numpy(), frame, time, path, "a date YYYY-MM-DD and a time HH:MM")
    minute = wall.dt.minute.to_numpy()
    fail_at(minute % 15 != 0, frame, time, path, "a quarter-hour (:00, :15, :30 or :45)")
    status = _eco2mix_status(frame, path)
    quarter = minute % 30 != 0
    actual_text = frame[exports.ECO2MIX_ANNUAL_ACTUAL].str.strip()
    fail_at(
        quarter & (actual_text != "").to_numpy(),
        frame,
        exports.ECO2MIX_ANNUAL_ACTUAL,
        path,
        "blank on a :15 or :45 row (the consumption is given every 30 minutes)",
    )
    # The 25-hour day's repeated hour is given once, as its second occurrence (standard time).
    local = wall.dt.tz_localize(PARIS, ambiguous=np.zeros(len(wall), bool), nonexistent="NaT")
    spring = local.isna().to_numpy()
    half = ~quarter & ~spring
    forecast = _values(frame, exports.ECO2MIX_ANNUAL_FORECAST, path, rules)["mw"].to_numpy()
    # RTE's J-1 of a half-hour: the mean of its two quarter-hours (NaN if either is missing).
    second = pd.Series(forecast[quarter], index=wall[quarter] - pd.Timedelta(minutes=15))
    second = second[~second.index.duplicated()]
    forecast_mw = (forecast[half] + second.reindex(wall[half]).to_numpy()) / 2
    rows_half = frame[half]
    start = local[half].dt.tz_convert("UTC")
    given = _rows(
        rows_half.index.to_numpy() + 2,
        start,
        start + pd.Timedelta(minutes=30),
        _values(rows_half, exports.ECO2MIX_ANNUAL_ACTUAL, path, rules),
        pd.DataFrame({"mw": forecast_mw}),
        status[half].to_numpy(),
    )
    rows = pd.concat([given, _first_occurrences(given, wall[half])]).sort_values("start")
    counts = (
        pd.DataFrame(
            {
                "spring_rows_dropped": spring,
                "quarter_hours_merged": quarter & ~spring,
                "footer_lines_dropped": frame["footer_lines_dropped"].to_numpy(),
            },
            index=wall.dt.normalize().to_numpy(),
        )
        .groupby(level=0)
        .sum()
    )
    return rows, counts


def _rows(
    lines: np.ndarray,
    start: pd.Series,
    end: pd.Series,
    actual: pd.DataFrame,
    forecast: pd.DataFrame,
    status: np.ndarray,
) -> pd.DataFrame:
    """One row per line: its interval (UTC), the actual's and RTE's forecast's MW, the gap
    kind, the status, and whether it came after a later interval (sorted by interval)."""
    rows = pd.DataFrame(
        {
            "line": lines,
            "start": start.to_numpy(),
            "end": end.to_numpy(),
            "mw": actual["mw"],
            "forecast_mw": forecast["mw"],
            "missing": actual["missing"],
            "unpublished": actual["unpublished"],
            "status": status,
        }
    )
    for column in ("start", "end"):
        rows[column] = pd.to_datetime(rows[column], utc=True)
    earlier = rows["start"] < rows["start"].cummax().shift(fill_value=rows["start"].iloc[0])
    return rows.assign(reordered=earlier.to_numpy()).sort_values("start", kind="stable")


def _single_intervals(rows: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each interval once, and every row with its repeats flagged (`identical_duplicate`): a
    repeat with the same values is dropped, with other values or overlapping another
    interval it is refused."""
    repeated = rows.duplicated(["start", "end", "mw", "forecast_mw"], keep="first")
    kept = rows[~repeated.to_numpy()]
    twice = kept[kept.duplicated("start", keep=False)]
    if len(twice):
        lines = twice["line"].iloc[:2].tolist()
        raise InputError(
            f"the interval starting {twice['start'].iloc[0]} appears on lines {lines} with "
            "different values; expected one value per interval",
            source=str(path),
            line=int(lines[1]),
        )
    overlap = (kept["start"] < kept["end"].shift()).to_numpy()
    if overlap.any():
        row = kept.iloc[int(np.flatnonzero(overlap)[0])]
        raise InputError(
            f"the interval starting {row['start']} overlaps the one before it; expected "
            "consecutive intervals",
            source=str(path),
            line=int(row["line"]),
        )
    counted = rows.assign(identical_duplicate=repeated.to_numpy())
    return kept, counted


def _hours(rows: pd.DataFrame) -> np.ndarray:
    return ((rows["end"] - rows["start"]) / pd.Timedelta(hours=1)).to_numpy()


def _paris_day(instants: pd.Series) -> pd.Series:
    return instants.dt.tz_convert(PARIS).dt.tz_localize(None).dt.normalize()


def _interpolated(rows: pd.DataFrame, max_missing: int) -> pd.DataFrame:
    """The rows with the values of days missing at most `max_missing` half-hours' worth filled
    linearly in time between the valued intervals either side (none after: left missing)."""
    hours = _hours(rows)
    gap_hours = (
        pd.Series(np.where(rows["mw"].isna(), hours, 0.0))
        .groupby(rows["day"].to_numpy())
        .transform("sum")
        .to_numpy()
    )
    eligible = rows["mw"].isna().to_numpy() & (gap_hours <= max_missing / 2)
    middle = rows["start"] + (rows["end"] - rows["start"]) / 2
    series = pd.Series(rows["mw"].to_numpy(), index=pd.DatetimeIndex(middle))
    filled = series.interpolate(method="time", limit_area="inside").to_numpy()
    use = eligible & ~np.isnan(filled)
    return rows.assign(mw=np.where(use, filled, rows["mw"].to_numpy()), interpolated=use)


def _energy(rows: pd.DataFrame, column: str, days: pd.DatetimeIndex) -> pd.Series:
    """Each day's energy (MWh) in `column`, NaN where its valued intervals do not cover it."""
    hours = _hours(rows)
    valued = rows[column].notna().to_numpy()
    per_day = (
        pd.DataFrame(
            {
                "energy": np.where(valued, rows[column].to_numpy() * hours, 0.0),
                "covered": np.where(valued, hours, 0.0),
            }
        )
        .groupby(rows["day"].to_numpy())
        .sum()
        .reindex(days, fill_value=0.0)
    )
    complete = np.isclose(per_day["covered"].to_numpy(), day_hours(days))
    return pd.Series(np.where(complete, per_day["energy"], np.nan), index=days)


def _energy_to_issue(rows: pd.DataFrame, issue_time: str, days: pd.DatetimeIndex) -> pd.Series:
    """Each day's energy from midnight to the end of the last interval ended by `issue_time`,
    NaN where those intervals are not all valued."""
    minutes = issue_minutes(issue_time)
    end = rows["end"].dt.tz_convert(PARIS)
    midnight = rows["day"].dt.tz_localize(PARIS, ambiguous=True, nonexistent="shift_forward")
    before = rows[((end - midnight) <= _elapsed(rows["day"], minutes)).to_numpy()]
    hours = _hours(before)
    valued = before["mw"].notna().to_numpy()
    per_day = (
        pd.DataFrame(
            {
                "energy": np.where(valued, before["mw"].to_numpy() * hours, 0.0),
                "covered": np.where(valued, hours, 0.0),
            }
        )
        .groupby(before["day"].to_numpy())
        .sum()
        .reindex(days, fill_value=0.0)
    )
    expected = _elapsed(pd.Series(days), minutes) / pd.Timedelta(hours=1)
    complete = np.isclose(per_day["covered"].to_numpy(), expected.to_numpy())
    return pd.Series(np.where(complete, per_day["energy"], np.nan), index=days)


def _elapsed(days: pd.Series, minutes: int) -> pd.Series:
    """From each Paris midnight to the wall-clock time `minutes` after it."""
    start = days.dt.tz_localize(PARIS, ambiguous=True, nonexistent="shift_forward")
    wall = (days + pd.Timedelta(minutes=minutes)).dt.tz_localize(
        PARIS, ambiguous=True, nonexistent="shift_forward"
    )
    return wall - start


def _non_final(rows: pd.DataFrame, rule: str, path: Path) -> pd.Index:
    """The days `data.quality.non_final_status` leaves out (rule `drop`); `error` refuses."""
    non_final = refuse_non_final(rows, rule, path)
    return pd.Index(rows.loc[non_final, "day"].unique()) if rule == "drop" else pd.Index([])


_READERS = {"entsoe": _entsoe_rows, "eco2mix": _eco2mix_rows, "eco2mix_annual": _annual_rows}


def read_series(
    text: str, fmt: str, path: Path, rules: QualityRules, issue_time: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The complete days' energy (`consumption_mwh`, `status`, `n_halfhours`, `rte_j1_mwh`,
    with an issue time `consumption_to_issue_mwh`), every day's completeness and counts, and
    the complete days' curve, as `read_consumption` returns them for ODRÉ's exports."""
    rows, counts = _READERS[fmt](text, path, rules)
    rows = rows.assign(day=_paris_day(rows["start"]))
    kept, counted = _single_intervals(rows, path)
    dropped = _non_final(kept, rules.non_final_status, path)
    if rules.max_missing_halfhours:
        kept = _interpolated(kept, rules.max_missing_halfhours)
    else:
        kept = kept.assign(interpolated=False)
    days = pd.DatetimeIndex(sorted(kept["day"].unique()), name="date")
    energy = _energy(kept, "mw", days)
    hours = _hours(kept)
    per_day = (
        pd.DataFrame(
            {
                "values_missing": counted["missing"].to_numpy(),
                "values_unpublished": counted["unpublished"].to_numpy(),
                "rows_reordered": counted["reordered"].to_numpy(),
                "identical_duplicate": counted["identical_duplicate"].to_numpy(),
            },
            index=counted["day"].to_numpy(),
        )
        .groupby(level=0)
        .sum()
    )
    filled = kept.assign(
        halfhours_interpolated=np.where(kept["interpolated"], hours * 2, 0.0),
        halfhours=np.where(kept["mw"].notna(), hours * 2, 0.0),
        rank=pd.Categorical(kept["status"], categories=STATUS_ORDER).codes,
        non_final_dropped=kept["day"].isin(dropped).to_numpy(),
    )
    summed = filled.groupby("day")[
        ["halfhours_interpolated", "halfhours", "rank", "non_final_dropped"]
    ].agg(
        {
            "halfhours_interpolated": "sum",
            "halfhours": "sum",
            "rank": "max",
            "non_final_dropped": "sum",
        }
    )
    published = kept[~kept["interpolated"] & kept["mw"].notna()]
    by_status = pd.crosstab(published["day"], published["status"]).reindex(
        columns=STATUS_ORDER, fill_value=0
    )
    table_days = (
        pd.DataFrame(index=days)
        .join(per_day)
        .join(summed)
        .join(by_status)
        .join(counts)
        .fillna(0)
        .assign(midnight_rows_refiled=0)
    )
    table_days["complete"] = energy.notna().to_numpy() & ~days.isin(dropped)
    if issue_time is not None:
        # Every day's part, as for ODRÉ's exports: the issue day is not complete yet.
        to_issue = _energy_to_issue(kept, issue_time, days).to_numpy()
        table_days[CONSUMPTION_TO_ISSUE] = np.where(days.isin(dropped), np.nan, to_issue)
    complete = table_days[table_days["complete"]]
    table = pd.DataFrame(
        {
            "consumption_mwh": energy[table_days["complete"].to_numpy()].to_numpy(),
            "status": np.asarray(STATUS_ORDER, dtype=object)[complete["rank"].astype(int)],
            "n_halfhours": complete["halfhours"].round().astype(int).to_numpy(),
            RTE_J1: _energy(kept, "forecast_mw", days)[
                table_days["complete"].to_numpy()
            ].to_numpy(),
        },
        index=complete.index,
    )
    if issue_time is not None:
        table[CONSUMPTION_TO_ISSUE] = complete[CONSUMPTION_TO_ISSUE].to_numpy()
    return table, table_days.drop(columns=["rank", "halfhours"]), _curve(kept, complete.index)


def _curve(rows: pd.DataFrame, days: pd.Index) -> pd.DataFrame:
    """The intervals of `days`, at the series' own step, 15-minute values merged into their
    half-hour (its mean power): ENTSO-E's hourly series stays hourly."""
    kept = rows[rows["day"].isin(days)]
    fine = _hours(kept) < 0.5
    start = kept["start"].where(~fine, kept["start"].dt.floor("30min"))
    return (
        pd.DataFrame(
            {
                "date": kept["day"].to_numpy(),
                "start": start.to_numpy(),
                "mw": kept["mw"].to_numpy(),
                "rte_j1_mw": kept["forecast_mw"].to_numpy(),
            }
        )
        .groupby(["date", "start"], as_index=False, sort=True)
        .mean()
    )
