"""The populations of the service-standard report and the SQL pieces its queries share.

Populations, all within [start, end):

- response: service cases created, not cancelled, whose response window has run out by the
  cutoff or that were answered (pending ones are left out);
- on site: service cases whose on-site deadline fell in the range (and before the cutoff);
- closures: service cases closed (closed_at) in the range, whatever happened after (a case
  reopened later still counts in its closure month, as a first-time-fix failure);
- surveys: surveys created (= case closed) in the range; complaints: opened in the range.

"Has a repeat fault" is an outer join to the (few) cases with a parent (repeated_cases), not
a subquery per closed case: cheap on both backends whatever the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from domain.lifecycle import CaseKind, CaseStatus
from storage.models import Case
from storage.models import ServiceReport as ServiceReportRow

SERVICE_KINDS = (CaseKind.FAULT, CaseKind.INSTALLATION, CaseKind.RETURN_VISIT)
FIX_KINDS = (CaseKind.FAULT, CaseKind.INSTALLATION)


def flag(condition: ColumnElement[bool]) -> Any:
    """1 where the condition holds, else 0, for SUM()."""
    return func.sum(case((condition, 1), else_=0))


def within(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    """column within [start, end)."""
    return and_(column >= start, column < end)


def closed_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Service cases closed in the range."""
    return and_(
        Case.kind.in_(SERVICE_KINDS),
        within(Case.closed_at, start, end),
        Case.status != CaseStatus.CANCELLED,
    )


def repeated_cases() -> Subquery:
    """The cases a repeat fault is linked to, once each (outer-joined for first_time_fixed)."""
    repeat = aliased(Case)
    return (
        select(repeat.parent_id.label("case_id"))
        # IS NOT NULL lets both backends read the partial index ix_cases_parent_id.
        .where(repeat.parent_id.is_not(None), repeat.is_repeat.is_(True))
        .distinct()
        .subquery("repeated")
    )


def first_time_fixed(repeated: Subquery) -> ColumnElement[bool]:
    """Fixed at the first visit, never reopened, no repeat fault linked to it."""
    return and_(
        Case.first_time_fix.is_(True),
        Case.reopen_count == 0,
        repeated.c.case_id.is_(None),
    )


def ftf_counted() -> ColumnElement[bool]:
    """Closures that count for first-time fix (something was to be fixed)."""
    return and_(Case.kind.in_(FIX_KINDS), Case.first_time_fix.is_not(None))


def onsite_counted() -> ColumnElement[bool]:
    """Cases whose on-site deadline counts: one was promised and the clock is not stopped on a
    quote the customer has yet to approve (or declined): that wait is theirs, not the service's.
    An approved quote moved onsite_due_at by the pause, so lateness is on the paused clock."""
    return and_(
        Case.onsite_due_at.is_not(None),
        or_(Case.quote_pending_since.is_(None), Case.arrived_at.is_not(None)),
    )


def arrived_on_time() -> ColumnElement[bool]:
    """Reached the site by the (paused) deadline."""
    return and_(Case.arrived_at.is_not(None), Case.arrived_at <= Case.onsite_due_at)


def row_cost() -> Any:
    """One service report's parts + labour + travel."""
    row = ServiceReportRow
    return row.parts_cents + row.labour_cents + row.travel_cents
