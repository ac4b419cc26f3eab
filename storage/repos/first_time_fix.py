"""First-time fix: the one definition the monthly report, the technician page and the CSVs use.

A closure counts when a fault or installation case closed in [start, end) with something
repaired (return visits, complaints and declined quotes are left out: ftf_counted). It is a
first-time fix when it was fixed at the first visit, is not itself a repeat fault, was never
reopened and no repeat fault is linked to it (first_time_fixed). A case reopened and closed
again counts in the month of its last closure, as a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case
from storage.repos.standard_populations import (
    closed_between,
    first_time_fixed,
    flag,
    ftf_counted,
    repeated_cases,
)


@dataclass(frozen=True)
class FirstTimeFix:
    """Closures that count for first-time fix, and how many of them were."""

    counted: int
    fixed: int


async def first_time_fixes(
    session: AsyncSession, *, start: datetime, end: datetime, group: Any = None
) -> dict[Any, FirstTimeFix]:
    """Counted closures and first-time fixes in the range, per value of `group` (a column of
    the case, e.g. Case.technician_id), or under the key None for the whole range."""
    repeated = repeated_cases()
    counted = flag(ftf_counted())
    fixed = flag(and_(ftf_counted(), first_time_fixed(repeated)))
    columns = [counted, fixed] if group is None else [group, counted, fixed]
    statement = (
        select(*columns)
        .select_from(Case)
        .outerjoin(repeated, repeated.c.case_id == Case.id)
        .where(closed_between(start, end))
    )
    if group is not None:
        statement = statement.group_by(group)
    result: dict[Any, FirstTimeFix] = {}
    for row in await session.execute(statement):
        key = None if group is None else row[0]
        n, ok = row[-2], row[-1]
        result[key] = FirstTimeFix(int(n or 0), int(ok or 0))
    return result
