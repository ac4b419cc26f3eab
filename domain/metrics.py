"""The monthly service-standard report: its figures, their targets, and the maths behind them.

Keys of `ServiceReport.metrics` (in this order; labels are catalog keys `metric.<key>`):

    response_24h_pct        % of service cases created in the range answered within 24 h
    onsite_on_time_pct      % of service cases due on site in the range reached by the deadline
    first_time_fix_pct      % of resolved cases closed in the range fixed at the first visit
    repeat_repairs          count of repeat-fault cases opened in the range
    survey_response_pct     % of surveys created (cases closed) in the range with an answer
    avg_satisfaction        mean overall score (1-5) of those surveys
    very_satisfied_pct      % of overall scores that are 5/5
    nps                     net promoter score, % promoters (9-10) minus % detractors (0-6)
    complaint_rate_pct      complaints opened in the range / service cases closed in it, %
    complaint_closure_hours mean hours from opening to closing of complaints closed in the range
    cost_per_case           mean parts + labour + travel of service cases closed in the range
    cost_parts_per_case     its parts share
    cost_labour_per_case    its labour share
    cost_travel_per_case    its travel share
    cost_per_case_in_warranty      mean cost of those closed in warranty
    cost_per_case_out_of_warranty  mean cost of those closed out of warranty
    money_reports           surveys created in the range whose customer answered that staff
                            asked for money or gifts (target 0)
    supplier_part_failures  service reports filed in the range blaming a supplier's part
                            (each opens a supplier claim)
    supplier_claims_open    of their claims, still undecided
    supplier_claims_accepted          ... accepted by the supplier
    supplier_claims_refused           ... rejected or withdrawn
    major_quality_problems  service reports filed in the range flagged a major quality problem
    key_visits_due          return visits of key customers opened (fallen due) in the range
    key_visits_done         of those, reached on site (the technician checked in)
    assignments_cert_expired  assignments made in the range to a technician whose certificate
                            for the case's category had expired (target 0)
    assignments_cert_missing  ... who held none for it (target 0)
    re_repairs_surveyed     surveys created in the range for a re-repair (a case reopened and
                            closed again)

First-time fix (one definition, storage.repos.first_time_fix, used by this report, the
dashboard's technician page and the CSV files): a fault or installation case closed in the range
with something repaired counts (return visits, complaints and declined quotes do not); it is a
first-time fix when it was fixed at the first visit, is not itself a repeat fault, was never
reopened and no repeat fault is linked to it.

Money is in cents. A figure without data (no cases, no surveys) is None, never 0.

Rows of `by_technician` (one per technician with a case closed in the range), keys:
    technician_id, technician_name, closed, first_time_fix_pct, onsite_on_time_pct,
    avg_satisfaction, complaints, cost_per_case
Rows of `by_category` (one per product category, "" when unknown), keys:
    category, closed, first_time_fix_pct, repeat_repairs, avg_satisfaction, complaints,
    cost_per_case
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.parsing import parse_month

UNITS = ("%", "count", "score", "money", "hours")


@dataclass(frozen=True)
class Metric:
    """One figure of the report, with its target (None when the department set none)."""

    key: str
    value: float | None
    target: float | None
    unit: str  # "%", "count", "score", "money", "hours"
    higher_is_better: bool = True
    # A ceiling that may be reached (money reports: target 0, met at 0), not one to stay under.
    at_most: bool = False

    @property
    def met(self) -> bool | None:
        """Whether the figure meets its target; None without a figure or a target."""
        if self.value is None or self.target is None:
            return None
        if self.higher_is_better:
            return self.value >= self.target
        if self.at_most:
            return self.value <= self.target
        return self.value < self.target


@dataclass(frozen=True)
class Targets:
    """The department's targets (from the settings); None means no target for that figure."""

    response_pct: float | None = 96.0
    onsite_pct: float | None = 95.0
    first_fix_pct: float | None = 90.0
    survey_response_pct: float | None = 80.0
    complaint_rate_pct: float | None = 1.0
    avg_satisfaction: float | None = None
    very_satisfied_pct: float | None = None
    nps: float | None = None
    complaint_closure_hours: float | None = None


@dataclass
class ServiceReport:
    """The service-standard figures of a range [start, end)."""

    start: datetime
    end: datetime
    metrics: list[Metric]
    by_technician: list[dict[str, Any]]
    by_category: list[dict[str, Any]]

    def metric(self, key: str) -> Metric:
        """One figure by key."""
        for metric in self.metrics:
            if metric.key == key:
                return metric
        raise KeyError(key)


def percent(part: int | float | None, whole: int | float | None) -> float | None:
    """part / whole in percent, rounded to 0.1; None when there is nothing to divide."""
    if not whole or part is None:
        return None
    return round(100.0 * float(part) / float(whole), 1)


def mean(total: int | float | None, count: int | float | None, digits: int = 2) -> float | None:
    """total / count rounded; None without data."""
    if not count or total is None:
        return None
    return round(float(total) / float(count), digits)


def net_promoter(promoters: int, detractors: int, answers: int) -> float | None:
    """% promoters minus % detractors, rounded to 0.1; None without answers."""
    if not answers:
        return None
    return round(100.0 * (promoters - detractors) / answers, 1)


def month_range(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of a local calendar month given as YYYY-MM."""
    first = parse_month(month)
    if first is None:
        raise ValueError(f"not a month in the form YYYY-MM: {month!r}")
    start_local = datetime(first.year, first.month, 1, tzinfo=tz)
    following = (start_local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start_local.astimezone(ZoneInfo("UTC")), following.astimezone(ZoneInfo("UTC"))


def previous_month(moment: datetime, tz: ZoneInfo) -> str:
    """The local month before the one a moment falls in, as YYYY-MM."""
    local = moment.astimezone(tz)
    first = local.replace(day=1)
    last_of_previous = first - timedelta(days=1)
    return f"{last_of_previous.year:04d}-{last_of_previous.month:02d}"
