"""The data-quality policy: how each known defect of real ODRÉ exports is resolved, and counted.

Real exports carry a few defects that are not errors of the file but of the publication:

- **Conflicting duplicates.** From 2020 on, a few December days carry two `00:00` rows for the
  same instant with different values, and the next day lacks its `00:00` row. In the one case
  of the 2012-2021 export (5 December 2020), both the electricity and the gas values of one of
  the two rows continue the next day's neighbours and the other's continue the day's own: the
  export filed the next day's midnight under the wrong day. Rule `refile` (default) moves the
  row whose value continues the next day's missing half-hour there; where the next day has no
  free slot it keeps the first line, as rule `first` always does. Rule `error` refuses them.
- **Missing temperature days.** From 2021 on, month-end days are absent from the temperature
  export. Rule `interpolate` (default) fills a region's gap of up to
  `max_temperature_gap_days` inside the range linearly; rule `error` refuses any gap.
- **Conflicting duplicates, later.** In 2022 and 2023 the second `00:00` belongs two days
  later: the day that lacks that half-hour is looked for up to three days on.
- **Missing half-hours.** A 23- or 24-hour day that lacks at most `max_missing_halfhours`
  half-hours is completed by linear interpolation in time between the half-hours either side,
  and counted per day; a half-hour with none after it (the export's end) is not.
- **Incomplete consumption days.** A day short of more half-hours (or absent) is left out of
  the daily table (rule `drop`, default) or refused (`error`). A run of more than
  `max_consumption_gap_days` such days is always an error: that is a broken file.
- **RTE's forecast series** (ENTSO-E and eCO2mix exports, `rte_series`): `N/A` values
  (`values_missing`) and `-` or blank ones (`values_unpublished`) are gaps, completed like
  missing half-hours or leaving their day incomplete; rows out of time order are sorted
  (`rows_reordered`). RTE's annual eCO2mix exports: their `:15` and `:45` rows merged into
  their half-hour (`quarter_hours_merged`), the spring day's hour that did not exist dropped
  (`spring_rows_dropped`), the autumn day's first occurrence of the repeated hour, absent,
  interpolated, the disclaimer after the data dropped (`footer_lines_dropped`).
- **Status.** Recent rows are `Consolidé` or `Temps réel`, not `Définitif`. Rule `keep`
  (default) uses them, as RTE publishes them; `drop` leaves out their days; `error` refuses them.

Every resolution is logged with its file and lines and counted in `reports/data_quality.json`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from energy_forecast.runtime.settings import QualityRules

# The rules come from params.yaml's data.quality, parsed with the other settings.
DEFAULT_RULES = QualityRules()


@dataclass(frozen=True)
class Resolution:
    """One defect resolved by a rule: where it was in the file and what was done."""

    defect: str
    rule: str
    day: pd.Timestamp
    lines: tuple[int, ...]
    action: str

    def describe(self, source: str) -> str:
        return f"{source}, lines {list(self.lines)}: {self.defect} ({self.rule}): {self.action}"


@dataclass
class QualityReport:
    """What `featurize` kept, left out and resolved over data.start..data.end."""

    start: pd.Timestamp
    end: pd.Timestamp
    end_param: str
    days_kept: int = 0
    days_left_out: dict[str, list[pd.Timestamp]] = field(default_factory=dict)
    rows_by_status: dict[str, int] = field(default_factory=dict)
    spring_rows_dropped: int = 0
    quarter_hours_merged: int = 0
    footer_lines_dropped: int = 0
    midnight_rows_refiled: int = 0
    identical_duplicates_dropped: int = 0
    values_missing: int = 0
    values_unpublished: int = 0
    rows_reordered: int = 0
    halfhours_interpolated: dict[pd.Timestamp, int] = field(default_factory=dict)
    resolutions: list[Resolution] = field(default_factory=list)
    temperature_days_imputed: int = 0
    temperature_region_days_imputed: int = 0

    def metrics(self) -> dict[str, Any]:
        """The JSON `dvc metrics show` reads: counts as numbers, each resolution as a line."""
        by_rule = Counter(f"{r.defect}.{r.rule}" for r in self.resolutions)
        refiled = sum(r.rule == "refile" for r in self.resolutions)
        return {
            "range": {
                "start": self.start.date().isoformat(),
                "end": self.end.date().isoformat(),
                "end_param": self.end_param,
            },
            "days": {
                "kept": self.days_kept,
                "left_out": {why: len(days) for why, days in sorted(self.days_left_out.items())},
            },
            "consumption": {
                "rows_by_status": dict(sorted(self.rows_by_status.items())),
                "spring_rows_dropped": self.spring_rows_dropped,
                "quarter_hours_merged": self.quarter_hours_merged,
                "footer_lines_dropped": self.footer_lines_dropped,
                "midnight_rows_refiled": self.midnight_rows_refiled,
                "identical_duplicates_dropped": self.identical_duplicates_dropped,
                "values_missing": self.values_missing,
                "values_unpublished": self.values_unpublished,
                "rows_reordered": self.rows_reordered,
                "halfhours_refiled": refiled,
                "halfhours_interpolated": sum(self.halfhours_interpolated.values()),
                "resolved": dict(sorted(by_rule.items())),
            },
            "temperature": {
                "days_imputed": self.temperature_days_imputed,
                "region_days_imputed": self.temperature_region_days_imputed,
            },
            "left_out": {
                why: [d.date().isoformat() for d in days]
                for why, days in sorted(self.days_left_out.items())
            },
            "interpolated": {
                day.date().isoformat(): count
                for day, count in sorted(self.halfhours_interpolated.items())
            },
            "resolutions": {
                f"{r.day.date().isoformat()} lines {','.join(map(str, r.lines))}": (
                    f"{r.defect} ({r.rule}): {r.action}"
                )
                for r in self.resolutions
            },
        }
