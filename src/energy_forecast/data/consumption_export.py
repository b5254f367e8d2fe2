"""Parse RTE's consumption exports into days of energy, refusing anything they cannot vouch for.

Day energy (a documented choice): the export gives average MW per half-hour in Paris wall-clock
time and always 48 rows per day, but Paris days last 23 h (spring) or 25 h (autumn). Rows whose
wall-clock time does not exist (02:00 and 02:30 on the spring change, which repeat other values)
are dropped; each remaining row is filed under the Paris day of its own instant (`Date - Heure`),
which also puts a midnight row filed under the day before back where it belongs. A day's energy
is then its mean MW times its real length in hours: on ordinary and spring days that is exactly
the sum of its half-hours times 0.5; on the autumn day it fills the two half-hours the export
leaves out with the day's mean instead of losing an hour of consumption.

The known defects of real exports (conflicting duplicates, non-final statuses, incomplete days)
are resolved by the rules of `quality.QualityRules`, each resolution recorded with its lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from energy_forecast.core.calendar import day_hours
from energy_forecast.core.errors import InputError
from energy_forecast.core.inputs import CONSUMPTION_TO_ISSUE, PARIS
from energy_forecast.core.settings import issue_minutes
from energy_forecast.data import exports, rte_series
from energy_forecast.data.exports import STATUS_ORDER
from energy_forecast.data.quality import DEFAULT_RULES, Resolution
from energy_forecast.data.rows import fail_at, refuse_non_final
from energy_forecast.data.tables import decoded_text, export_days, header_line, numbers, read_table
from energy_forecast.runtime.settings import QualityRules

# How many days after a conflicting duplicate the half-hour it belongs to is looked for: the
# exports have filed a midnight one day (2020) and two days (2022, 2023) before its own.
REFILE_WINDOW_DAYS = 3
# The exports' known conflicting duplicate is one midnight row; a day with more was exported
# twice and is refused by name.
MAX_CONFLICTS_PER_DAY = 1
_HEURE = re.compile(r"^([01]\d|2[0-3]):[03]0$")


@dataclass
class ConsumptionDays:
    """Every Paris day the export holds, whether complete, and the defects resolved on the way."""

    table: pd.DataFrame  # index date; consumption_mwh, status, n_halfhours (complete days)
    days: pd.DataFrame  # index date (every day seen); complete, non_final_dropped, per-row counts
    curve: pd.DataFrame  # the complete days' intervals: date, start (UTC), mw, rte_j1_mw
    resolutions: list[Resolution] = field(default_factory=list)

    @property
    def incomplete(self) -> list[pd.Timestamp]:
        return list(self.days.index[~self.days["complete"]])

    @property
    def refiled_rows(self) -> int:
        return int(self.days["midnight_rows_refiled"].sum())


def _plausible_mw(frame: pd.DataFrame, mw: pd.Series, path: Path, rules: QualityRules) -> None:
    """Refuse a thousands separator (read as a decimal comma it would divide by 1000) and
    half-hours outside `data.quality.halfhour_mw_bounds`."""
    text = frame[exports.CONSUMPTION_MW].str.strip()
    fail_at(
        text.str.contains(",", regex=False),
        frame,
        exports.CONSUMPTION_MW,
        path,
        "a whole number of MW (a separator in it is ambiguous: thousands or decimals?)",
    )
    low, high = rules.halfhour_mw_bounds
    fail_at(
        mw.notna() & ((mw < low) | (mw > high)),
        frame,
        exports.CONSUMPTION_MW,
        path,
        f"a half-hour consumption in MW within data.quality.halfhour_mw_bounds [{low:g}, {high:g}]",
    )


def _consumption_rows(frame: pd.DataFrame, path: Path, rules: QualityRules) -> pd.DataFrame:
    """Checked rows: line, instant (UTC), mw, status, filed (the `Date` column), spring flag."""
    date, expected = export_days(frame[exports.CONSUMPTION_DATE], "consumption")
    fail_at(date.isna(), frame, exports.CONSUMPTION_DATE, path, expected)
    heure = frame[exports.CONSUMPTION_TIME]
    fail_at(~heure.str.match(_HEURE), frame, exports.CONSUMPTION_TIME, path, "a half-hour HH:MM")
    instant = pd.to_datetime(
        frame[exports.CONSUMPTION_INSTANT], format="ISO8601", utc=True, errors="coerce"
    )
    fail_at(
        instant.isna(), frame, exports.CONSUMPTION_INSTANT, path, "an ISO 8601 time with offset"
    )
    mw = numbers(frame, exports.CONSUMPTION_MW, path, allow_blank=True)
    _plausible_mw(frame, mw, path, rules)
    status = frame[exports.CONSUMPTION_STATUS].str.strip()
    unknown = ~status.isin(STATUS_ORDER) & mw.notna()
    fail_at(unknown, frame, exports.CONSUMPTION_STATUS, path, f"one of {STATUS_ORDER}")

    wall = date + pd.to_timedelta(heure.str[:2].astype(int) * 60 + heure.str[3:].astype(int), "min")
    localized = wall.dt.tz_localize(
        PARIS, nonexistent="NaT", ambiguous=np.ones(len(wall), dtype=bool)
    )
    rows = pd.DataFrame(
        {
            "line": np.arange(len(frame)) + 2,
            "instant": instant,
            "mw": mw,
            "status": status,
            "filed": date,
            "spring_artefact": localized.isna(),
        }
    )
    # A blank MW is a half-hour not published yet: it counts as missing, not as an error.
    rows = rows[rows["mw"].notna()]
    rows["day"] = rows["instant"].dt.tz_convert(PARIS).dt.tz_localize(None).dt.normalize()
    rows["midnight_rows_refiled"] = (rows["day"] != rows["filed"]) & ~rows["spring_artefact"]
    return rows


def _apply_status_rule(rows: pd.DataFrame, rule: str, path: Path) -> pd.DataFrame:
    non_final = refuse_non_final(rows, rule, path, exports.CONSUMPTION_STATUS)
    return rows.assign(non_final_dropped=non_final if rule == "drop" else False)


def _neighbour_mean(mw_at: pd.Series, instant: pd.Timestamp) -> float:
    """The mean of the half-hours either side of `instant`, where the export has them."""
    half = pd.Timedelta(minutes=30)
    around = [mw_at.get(instant - half), mw_at.get(instant + half)]
    known = [v for v in around if v is not None and not pd.isna(v)]
    return float(np.mean(known)) if known else np.nan


def _resolve_conflict(
    group: pd.DataFrame,
    rule: str,
    mw_at: pd.Series,
    taken: set[pd.Timestamp],
    days: set[pd.Timestamp],
    path: Path,
) -> tuple[pd.DataFrame, Resolution]:
    """One instant's rows with different values, reduced to one row (or one moved) by `rule`."""
    at = group["instant"].iloc[0]
    lines = tuple(int(x) for x in group["line"])
    values = group["mw"].tolist()
    if rule == "error":
        raise InputError(
            f"half-hour {at.tz_convert(PARIS)} appears on lines {list(lines)} with "
            f"different values {', '.join(f'{v:g}' for v in values)}; expected one value per "
            "half-hour (data.quality.conflicting_duplicates is 'error')",
            source=str(path),
            line=lines[1],
            column=exports.CONSUMPTION_MW,
        )
    local = at.tz_convert(PARIS)
    day = local.tz_localize(None).normalize()
    slot = _free_slot(local, taken, days) if rule == "refile" and len(group) == 2 else None
    if slot is not None:
        here, there = _neighbour_mean(mw_at, at), _neighbour_mean(mw_at, slot)
        a, b = values
        keep_first = np.nansum([abs(a - here), abs(b - there)]) <= np.nansum(
            [abs(b - here), abs(a - there)]
        )
        stay, move = (0, 1) if keep_first else (1, 0)
        slot_day = slot.tz_convert(PARIS).tz_localize(None).normalize()
        kept = pd.concat(
            [group.iloc[[stay]], group.iloc[[move]].assign(instant=slot, day=slot_day)]
        )
        action = (
            f"{values[stay]:g} MW kept at {local:%Y-%m-%d %H:%M}; {values[move]:g} MW (line "
            f"{lines[move]}) refiled to the missing {slot.tz_convert(PARIS):%Y-%m-%d %H:%M}"
        )
        return kept, Resolution("conflicting_duplicate", "refile", day, lines, action)
    why = "" if rule == "first" else f" (none of the {REFILE_WINDOW_DAYS} days after lacks it)"
    action = f"{values[0]:g} MW (line {lines[0]}) kept, {values[1:]} dropped{why}"
    resolution = Resolution("conflicting_duplicate", "first", day, lines, action)
    return group.iloc[[0]], resolution


def _free_slot(
    local: pd.Timestamp, taken: set[pd.Timestamp], days: set[pd.Timestamp]
) -> pd.Timestamp | None:
    """The same wall-clock half-hour on the first of the next `REFILE_WINDOW_DAYS` days that
    the export holds but that lacks it (UTC), or None."""
    day = local.tz_localize(None).normalize()
    for ahead in range(1, REFILE_WINDOW_DAYS + 1):
        slot = (local + pd.DateOffset(days=ahead)).tz_convert("UTC")
        if day + pd.Timedelta(days=ahead) in days and slot not in taken:
            return slot
    return None


def _refuse_repeated_days(conflicts: pd.DataFrame, path: Path) -> None:
    """A day with more than `MAX_CONFLICTS_PER_DAY` half-hours given twice with different
    values was exported twice (or edited): no rule can tell which copy is right."""
    per_day = conflicts.drop_duplicates("instant").groupby("day").size()
    repeated = per_day[per_day > MAX_CONFLICTS_PER_DAY]
    if repeated.empty:
        return
    day, count = repeated.index[0], int(repeated.iloc[0])
    lines = conflicts.loc[conflicts["day"] == day, "line"]
    raise InputError(
        f"{day.date()} has {count} half-hours given twice with different values (lines "
        f"{lines.min()}-{lines.max()}): a day exported twice, not the midnight row "
        "data.quality.conflicting_duplicates resolves; expected one copy of each day",
        source=str(path),
        line=int(lines.min()),
        column=exports.CONSUMPTION_MW,
    )


def _resolve_duplicates(
    rows: pd.DataFrame, rule: str, path: Path
) -> tuple[pd.DataFrame, list[Resolution]]:
    """Rows with one value per instant: identical repeats dropped, conflicts resolved by `rule`."""
    rows = rows.assign(identical_duplicate=False)
    real = rows[~rows["spring_artefact"]]
    identical = real.duplicated(["instant", "mw"])
    repeats = real[identical].assign(identical_duplicate=True)
    real = real[~identical]
    dup = real.duplicated("instant", keep=False)
    _refuse_repeated_days(real[dup], path)
    resolutions: list[Resolution] = []
    if dup.any():
        single = real[~dup]
        mw_at = single.set_index("instant")["mw"]
        taken, days = set(single["instant"]), set(single["day"])
        resolved = []
        for _, group in real[dup].sort_values(["instant", "line"]).groupby("instant"):
            kept, resolution = _resolve_conflict(group, rule, mw_at, taken, days, path)
            resolved.append(kept)
            resolutions.append(resolution)
        real = pd.concat([single, *resolved]).sort_values("instant", kind="stable")
    # The repeats and spring rows stay in the frame, flagged, so that each day counts them.
    return pd.concat([real, repeats, rows[rows["spring_artefact"]]]), resolutions


def _energy_to_issue(used: pd.DataFrame, issue_time: str) -> pd.Series:
    """Each day's energy (MWh) from midnight to the end of the last half-hour ended by
    `issue_time`, for the days that have every such half-hour (the rest: NaN).

    As the daily energy, it is the mean MW of those half-hours times the hours elapsed, so a
    clock change's missing or doubled hour counts as the export files it.
    """
    minutes = issue_minutes(issue_time)
    local = used["instant"].dt.tz_convert(PARIS)
    ends = local.dt.hour * 60 + local.dt.minute + 30
    before = used[(ends <= minutes).to_numpy()]
    per_day = before.groupby("day")["mw"].agg(["mean", "size"])
    days = pd.DatetimeIndex(per_day.index)
    # The wall-clock half-hours ended by then; the spring day lacks those of 02:00-03:00.
    slots = minutes // 30
    skipped = np.where(day_hours(days) == 23, min(max(slots - 4, 0), 2), 0)
    energy = per_day["mean"].to_numpy() * _hours_to(days, slots * 30)
    complete = per_day["size"].to_numpy() >= slots - skipped
    return pd.Series(np.where(complete, energy, np.nan), index=days, name=CONSUMPTION_TO_ISSUE)


def _hours_to(days: pd.DatetimeIndex, minutes: int) -> np.ndarray:
    """Hours from each Paris midnight to the wall-clock time `minutes` after it."""
    start = days.tz_localize(PARIS)
    wall = days + pd.Timedelta(minutes=minutes)
    end = wall.tz_localize(
        PARIS, ambiguous=np.ones(len(days), dtype=bool), nonexistent="shift_forward"
    )
    return ((end - start) / pd.Timedelta(hours=1)).to_numpy()


def _interpolated(used: pd.DataFrame, max_missing: int, kept_out: pd.Index) -> pd.DataFrame:
    """Rows for the half-hours missing from the 23- and 24-hour days that lack at most
    `max_missing` of them (not those of `kept_out`), linear in time between the half-hours
    either side; a half-hour with none after it (the export's end) stays missing.

    The 25-hour day is left as it is: its export never has two of its 50 half-hours, so which
    of the others are missing is not known."""
    per_day = used.groupby("day").size()
    days = pd.DatetimeIndex(per_day.index)
    hours = day_hours(days)
    short = np.where(hours == 23, 46, 48) - per_day.to_numpy()
    chosen = days[(hours < 25) & (short >= 1) & (short <= max_missing) & ~days.isin(kept_out)]
    if not len(chosen):
        return used.iloc[:0].assign(interpolated=pd.Series(dtype=bool))
    grid = pd.DatetimeIndex(
        np.concatenate(
            [
                pd.date_range(
                    day.tz_localize(PARIS),
                    (day + pd.Timedelta(days=1)).tz_localize(PARIS),
                    freq="30min",
                    inclusive="left",
                ).tz_convert("UTC")
                for day in chosen
            ]
        )
    )
    known = used.set_index("instant")["mw"]
    missing = grid.difference(pd.DatetimeIndex(known.index))
    series = pd.concat([known, pd.Series(np.nan, index=missing)]).sort_index()
    filled = series.interpolate(method="time", limit_area="inside").loc[missing].dropna()
    return pd.DataFrame(
        {
            "instant": filled.index,
            "mw": filled.to_numpy(),
            # A filled half-hour makes its day no less final than its own rows.
            "status": STATUS_ORDER[0],
            "day": filled.index.tz_convert(PARIS).tz_localize(None).normalize(),
            "interpolated": True,
        }
    )


def _daily_energy(
    rows: pd.DataFrame, issue_time: str | None, max_missing: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The complete days' energy, every day's completeness and counts, and the complete days'
    half-hours; with an issue time, each day's energy up to it (`consumption_to_issue_mwh`)."""
    used = rows[~rows["spring_artefact"] & ~rows["identical_duplicate"]]
    non_final = used["non_final_dropped"].astype(bool)
    # A day whose non-final rows were dropped by rule stays out: it is not short by accident.
    dropped_days = pd.Index(used.loc[non_final, "day"].unique())
    used = used[~non_final].assign(interpolated=False)
    if max_missing:
        filled = _interpolated(used, max_missing, dropped_days)
        used = pd.concat([used, filled], ignore_index=True).sort_values("instant", kind="stable")
    rank = pd.Categorical(used["status"], categories=STATUS_ORDER).codes
    energy = (
        used.assign(rank=rank)
        .groupby("day")
        .agg(mean_mw=("mw", "mean"), n_halfhours=("mw", "size"), rank=("rank", "max"))
    )
    filed = rows.assign(spring_rows_dropped=rows["spring_artefact"])
    # Spring artefacts have no instant of their own: they count under the day they are filed.
    filed["day"] = filed["day"].where(~filed["spring_artefact"], filed["filed"])
    counts = filed.groupby("day")[
        ["midnight_rows_refiled", "spring_rows_dropped", "identical_duplicate", "non_final_dropped"]
    ].sum()
    published = used[~used["interpolated"]]
    by_status = pd.crosstab(published["day"], published["status"]).reindex(
        columns=STATUS_ORDER, fill_value=0
    )
    interpolated = used.groupby("day")["interpolated"].sum().rename("halfhours_interpolated")
    days = (
        counts.join(energy, how="left")
        .join(by_status, how="left")
        .join(interpolated, how="left")
        .fillna(0)
    )
    if issue_time is not None:
        days = days.join(_energy_to_issue(used, issue_time), how="left")
    hours = day_hours(days.index)
    # The export carries 46 real half-hours on the spring day and 48 of the 50 in autumn.
    expected = np.where(hours == 23, 46, 48)
    days["complete"] = days["n_halfhours"].to_numpy() >= expected
    days.index = pd.DatetimeIndex(days.index, name="date")
    complete = days[days["complete"]]
    table = pd.DataFrame(
        {
            "consumption_mwh": complete["mean_mw"].to_numpy() * hours[days["complete"].to_numpy()],
            "status": np.asarray(STATUS_ORDER, dtype=object)[
                complete["rank"].to_numpy().astype(int)
            ],
            "n_halfhours": complete["n_halfhours"].to_numpy().astype(int),
        },
        index=complete.index,
    )
    if issue_time is not None:
        table[CONSUMPTION_TO_ISSUE] = complete[CONSUMPTION_TO_ISSUE]
    kept = used[used["day"].isin(complete.index)]
    curve = pd.DataFrame(
        {
            "date": kept["day"].to_numpy(),
            "start": kept["instant"].dt.tz_convert("UTC").to_numpy(),
            "mw": kept["mw"].to_numpy(dtype=float),
            "rte_j1_mw": np.nan,
        }
    )
    return table, days.drop(columns=["mean_mw", "rank"]), curve


def read_consumption(
    path: str | Path, rules: QualityRules = DEFAULT_RULES, issue_time: str | None = None
) -> ConsumptionDays:
    """Parse a consumption export into daily electricity energy (MWh), and with an issue time
    ("HH:MM") each day's energy up to it: ODRÉ's `consommation-quotidienne-brute`, or the series
    RTE forecasts (ENTSO-E or eCO2mix exports, `rte_series`), told apart by their header."""
    path = Path(path)
    text = decoded_text(path)
    series = rte_series.series_format(header_line(text))
    if series is None:
        table, days, curve, resolutions = _odre_consumption(path, text, rules, issue_time)
    else:
        table, days, curve = rte_series.read_series(text, series, path, rules, issue_time)
        resolutions = []
    low, high = rules.daily_mwh_bounds
    outside = table[(table["consumption_mwh"] < low) | (table["consumption_mwh"] > high)]
    if len(outside):
        day, value = outside.index[0], outside["consumption_mwh"].iloc[0]
        raise InputError(
            f"{day.date()}: {value:,.0f} MWh is outside data.quality.daily_mwh_bounds "
            f"[{low:,.0f}, {high:,.0f}]; expected a plausible day of French consumption",
            source=str(path),
        )
    return ConsumptionDays(table=table, days=days, curve=curve, resolutions=resolutions)


def _odre_consumption(
    path: Path, text: str, rules: QualityRules, issue_time: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[Resolution]]:
    cols = [
        exports.CONSUMPTION_INSTANT,
        exports.CONSUMPTION_DATE,
        exports.CONSUMPTION_TIME,
        exports.CONSUMPTION_MW,
        exports.CONSUMPTION_STATUS,
    ]
    rows = _consumption_rows(read_table(path, cols, text=text), path, rules)
    rows = _apply_status_rule(rows, rules.non_final_status, path)
    rows, resolutions = _resolve_duplicates(rows, rules.conflicting_duplicates, path)
    table, days, curve = _daily_energy(rows, issue_time, rules.max_missing_halfhours)
    # The counts of rules that only RTE's forecast series have.
    counts = dict.fromkeys(["values_missing", "values_unpublished", "rows_reordered"], 0)
    counts |= dict.fromkeys(["quarter_hours_merged", "footer_lines_dropped"], 0)
    return table, days.assign(**counts), curve, resolutions
