"""The daily table `featurize` writes: consumption, temperatures and features per Paris day.

It also settles the range: `data.end: latest` is the last Paris day both exports cover
completely, and an explicit end inside a gap is refused with the gap and the last complete day
before it. Days left out inside the range, and every defect resolved, go into a QualityReport.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from energy_forecast.core.errors import InputError
from energy_forecast.data.consumption_export import ConsumptionDays, read_consumption
from energy_forecast.data.exports import STATUS_ORDER
from energy_forecast.data.quality import DEFAULT_RULES, QualityReport
from energy_forecast.data.regions import REGIONS
from energy_forecast.data.temperature import consecutive_runs, national_temperatures
from energy_forecast.data.temperature_export import read_temperature
from energy_forecast.runtime.settings import QualityRules

log = logging.getLogger(__name__)


def _temperature_days(regional: pd.DataFrame) -> pd.DatetimeIndex:
    """The days on which every region has a temperature."""
    per_day = regional.groupby("date")["region"].nunique()
    return pd.DatetimeIndex(per_day.index[per_day == len(REGIONS)])


def _gap_around(day: pd.Timestamp, covered: pd.DatetimeIndex) -> str:
    """The run of days around `day` that `covered` lacks, or where `covered` ends before it."""
    before = covered[covered < day]
    after = covered[covered > day]
    if not len(after):
        return f"ends on {before.max().date()}" if len(before) else "covers no day"
    first = before.max() + pd.Timedelta(days=1) if len(before) else day
    last = after.min() - pd.Timedelta(days=1)
    days = (last - first).days + 1
    return f"lacks {first.date()}..{last.date()} ({days} day{'s' if days > 1 else ''})"


def resolve_end(
    end: pd.Timestamp | None,
    start: pd.Timestamp,
    consumption: ConsumptionDays,
    regional: pd.DataFrame,
    sources: tuple[str, str],
) -> pd.Timestamp:
    """The last day of the range: `end`, checked, or for None the last day both cover fully."""
    complete = {
        sources[0]: pd.DatetimeIndex(consumption.table.index),
        sources[1]: _temperature_days(regional),
    }
    both = complete[sources[0]].intersection(complete[sources[1]])
    both = both[both >= start]
    last = both.max() if len(both) else None
    if end is None:
        if last is None:
            raise InputError(
                f"data.end is 'latest' but no day from data.start ({start.date()}) on is covered "
                f"completely by both {sources[0]} and {sources[1]}"
            )
        return last
    gaps = [
        f"{source} {_gap_around(end, days)}" for source, days in complete.items() if end not in days
    ]
    if gaps:
        where = (
            "is past the data"
            if end > max(d.max() for d in complete.values())
            else "falls in a gap"
        )
        before = both[both < end]
        hint = (
            f"the last day both cover completely before it is {before.max().date()}"
            if len(before)
            else "no day before it is covered completely by both"
        )
        raise InputError(
            f"data.end {end.date()} {where}: {'; '.join(gaps)}; {hint}: set data.end to "
            "that day, or to 'latest'"
        )
    return end


def _left_out(
    consumption: ConsumptionDays, start: pd.Timestamp, end: pd.Timestamp
) -> dict[str, list[pd.Timestamp]]:
    """Days of the range without a complete consumption, by reason."""
    days = consumption.days
    reasons: dict[str, list[pd.Timestamp]] = {}
    for day in pd.date_range(start, end):
        if day not in days.index:
            why = "absent"
        elif days.at[day, "complete"]:
            continue
        elif days.at[day, "non_final_dropped"] > 0:
            why = "non_final_status"
        else:
            why = "missing_halfhours"
        reasons.setdefault(why, []).append(day)
    return reasons


def _check_left_out(
    left_out: dict[str, list[pd.Timestamp]],
    rules: QualityRules,
    source: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> None:
    days = pd.DatetimeIndex(sorted(d for ds in left_out.values() for d in ds))
    if not len(days):
        return
    if rules.incomplete_days == "error":
        raise InputError(
            f"{len(days)} day(s) lack half-hours, first {days[0].date()}; expected complete "
            "days (data.quality.incomplete_days is 'error')",
            source=source,
        )
    everyday = pd.date_range(start, end)
    first, stop = max(consecutive_runs(everyday.isin(days)), key=lambda run: run[1] - run[0])
    if stop - first > rules.max_consumption_gap_days:
        raise InputError(
            f"no complete consumption on {stop - first} consecutive days "
            f"{everyday[first].date()}..{everyday[stop - 1].date()}; at most "
            f"{rules.max_consumption_gap_days} can be left out "
            "(data.quality.max_consumption_gap_days)",
            source=source,
        )


def _check_start(consumption: ConsumptionDays, start: pd.Timestamp, source: str) -> None:
    table = consumption.table
    if table.empty or table.index.max() < start:
        covers = f"{table.index.min().date()} to {table.index.max().date()}" if len(table) else ""
        raise InputError(
            f"no consumption from data.start ({start.date()}) on; the file covers {covers}",
            source=source,
        )
    if table.index.min() > start:
        raise InputError(
            f"covers {table.index.min().date()} to {table.index.max().date()}, not from "
            f"data.start ({start.date()})",
            source=source,
        )


def daily_table(
    consumption_path: Path,
    temperature_path: Path,
    start: pd.Timestamp,
    end: pd.Timestamp | None,
    population_year: int,
    rules: QualityRules = DEFAULT_RULES,
    issue_time: str | None = None,
) -> tuple[pd.DataFrame, QualityReport, pd.DataFrame]:
    """One row per complete Paris day of start..end (None: latest) and what it took: the
    day's consumption (and with an issue time its consumption up to then), status and national
    temperatures, the raw inputs every model builds its features from, so that the table's md5
    names the data and nothing else; and those days' curve (`date`, `start`, `mw`,
    `rte_j1_mw`)."""
    sources = (str(consumption_path), str(temperature_path))
    consumption = read_consumption(consumption_path, rules, issue_time)
    _check_start(consumption, start, sources[0])
    regional = read_temperature(temperature_path)
    end_param = "latest" if end is None else end.date().isoformat()
    end = resolve_end(end, start, consumption, regional, sources)

    left_out = _left_out(consumption, start, end)
    _check_left_out(left_out, rules, sources[0], start, end)
    max_gap = 0 if rules.missing_temperature_days == "error" else rules.max_temperature_gap_days
    national = national_temperatures(
        regional, population_year, start, end, source=sources[1], max_gap_days=max_gap
    )
    covered = consumption.table[
        (consumption.table.index >= start) & (consumption.table.index <= end)
    ]
    table = covered.join(national, how="inner").rename_axis("date").reset_index()
    report = _report(consumption, regional, national, start, end, end_param, left_out, len(table))
    for resolution in report.resolutions:
        log.info("featurize: %s", resolution.describe(sources[0]))
    log.info(
        "featurize: %d days kept (%s..%s); left out: %s; %d spring clock-change rows dropped; "
        "%d midnight rows refiled under their own day; %d missing half-hours interpolated; "
        "%d temperature days interpolated",
        report.days_kept,
        start.date(),
        end.date(),
        {why: [d.date().isoformat() for d in days] for why, days in left_out.items()} or "none",
        report.spring_rows_dropped,
        report.midnight_rows_refiled,
        sum(report.halfhours_interpolated.values()),
        report.temperature_days_imputed,
    )
    curve = consumption.curve[consumption.curve["date"].isin(table["date"])]
    return table, report, curve.reset_index(drop=True)


def _report(
    consumption: ConsumptionDays,
    regional: pd.DataFrame,
    national: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    end_param: str,
    left_out: dict[str, list[pd.Timestamp]],
    days_kept: int,
) -> QualityReport:
    days = consumption.days[(consumption.days.index >= start) & (consumption.days.index <= end)]
    in_range = regional[(regional["date"] >= start) & (regional["date"] <= end)]
    expected_region_days = len(pd.date_range(start, end)) * len(REGIONS)
    return QualityReport(
        start=start,
        end=end,
        end_param=end_param,
        days_kept=days_kept,
        days_left_out=left_out,
        rows_by_status={k: int(v) for k, v in days[STATUS_ORDER].sum().items() if v > 0},
        spring_rows_dropped=int(days["spring_rows_dropped"].sum()),
        quarter_hours_merged=int(days["quarter_hours_merged"].sum()),
        footer_lines_dropped=int(days["footer_lines_dropped"].sum()),
        midnight_rows_refiled=int(days["midnight_rows_refiled"].sum()),
        identical_duplicates_dropped=int(days["identical_duplicate"].sum()),
        values_missing=int(days["values_missing"].sum()),
        values_unpublished=int(days["values_unpublished"].sum()),
        rows_reordered=int(days["rows_reordered"].sum()),
        halfhours_interpolated={
            day: int(n) for day, n in days["halfhours_interpolated"].items() if n > 0
        },
        resolutions=[r for r in consumption.resolutions if start <= r.day <= end],
        temperature_days_imputed=int(national["temperature_imputed"].sum()),
        temperature_region_days_imputed=expected_region_days
        - len(in_range.drop_duplicates(["date", "region"])),
    )
