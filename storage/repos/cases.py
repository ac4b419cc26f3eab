"""Cases: numbers, lookups, lists, the timeline, photos (plain queries; nothing decides here)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Sequence, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.event_data import EventData
from domain.lifecycle import OPEN_STATUSES, Actor, CaseKind, CaseStatus
from domain.numbers import COMPLAINT_SERIES, SERVICE_SERIES, format_case_number
from domain.sla import EarlierCase
from storage.models import Case, CaseEvent, CasePhoto, DaySequence
from storage.models.cases import CASE_NUMBERS, COMPLAINT_NUMBERS
from storage.repos import webhooks
from storage.repos.rows import add as add_row
from storage.upsert import dialect_insert


async def next_case_number(
    session: AsyncSession, *, day: date, series: str = SERVICE_SERIES
) -> str:
    """Gives out the next number of a local day in a series, atomically on both backends.

    SQLite counts in the day's row. On PostgreSQL a counter row would be locked by every
    transaction that opens a case until it commits, and under load those transactions queued
    behind each other for seconds (bench: throughput, the Confirm step); there the number
    comes from a sequence, which never waits, less the day's base. A transaction that rolls
    back leaves its number unused: PostgreSQL's numbers may have gaps.
    """
    if session.get_bind().dialect.name == "postgresql":
        return format_case_number(day, await _sequence_number(session, day, series), series)
    statement = dialect_insert(session, DaySequence).values(day=day, series=series, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "series"], set_={"last": DaySequence.last + 1}
    ).returning(DaySequence.last)
    sequence = (await session.execute(statement)).scalar_one()
    return format_case_number(day, int(sequence), series)


def _next_and_base(sequence: Sequence) -> Select[Any]:
    """The next value of a series' sequence and the day's base for that series."""
    return select(
        sequence.next_value(),
        select(DaySequence.last)
        .where(DaySequence.day == bindparam("day"), DaySequence.series == bindparam("series"))
        .scalar_subquery(),
    )


# Each series' numbers come from its own sequence: built once.
_NEXT_AND_BASE = {
    SERVICE_SERIES: _next_and_base(CASE_NUMBERS),
    COMPLAINT_SERIES: _next_and_base(COMPLAINT_NUMBERS),
}


async def _sequence_number(session: AsyncSession, day: date, series: str) -> int:
    """PostgreSQL: the next sequence value less the day's base (set by the day's first case)."""
    keys = {"day": day, "series": series}
    for _ in range(5):
        value, base = (await session.execute(_NEXT_AND_BASE[series], keys)).one()
        if base is None:  # the day's first case: the value before it is the day's base
            base = await session.scalar(
                dialect_insert(session, DaySequence)
                .values(day=day, series=series, last=value - 1)
                .on_conflict_do_nothing(index_elements=["day", "series"])
                .returning(DaySequence.last)
            )
            if base is None:  # another transaction set it first (this statement waited)
                base = await session.scalar(
                    select(DaySequence.last).where(
                        DaySequence.day == day, DaySequence.series == series
                    )
                )
        if base is not None and value > base:
            return int(value - base)
        # A value taken before another transaction set the day's base: take a fresh one.
    raise RuntimeError(f"no case number could be given out for {day}")


async def earlier_closed(session: AsyncSession, *, product_id: int) -> list[EarlierCase]:
    """Closed fault cases on a product, for the repeat-repair rule."""
    rows = await session.execute(_EARLIER_CLOSED, {"product_id": product_id})
    return [EarlierCase(cid, closed) for cid, closed in rows if closed is not None]


# Asked on every new fault report: built once.
_EARLIER_CLOSED = select(Case.id, Case.closed_at).where(
    Case.product_id == bindparam("product_id"),
    Case.closed_at.is_not(None),
    Case.status == CaseStatus.CLOSED,
    Case.kind.in_([CaseKind.FAULT, CaseKind.INSTALLATION]),
)


async def add_case(session: AsyncSession, *, case: Case) -> Case:
    """Stores a new case (its id is set on return)."""
    return await add_row(session, case)


async def add_photo(
    session: AsyncSession,
    *,
    case: Case,
    file_id: str,
    file_unique_id: str | None,
    added_by: str,
    now: datetime,
) -> None:
    """Attaches a photo (a Telegram file id) to a case."""
    session.add(
        CasePhoto(
            case_id=case.id,
            file_id=file_id,
            file_unique_id=file_unique_id,
            added_by=added_by,
            added_at=now,
        )
    )


async def add_event(
    session: AsyncSession,
    *,
    case: Case,
    actor: Actor,
    actor_id: int | None,
    action: str,
    now: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    data: EventData | None = None,
) -> CaseEvent:
    """Appends one line to a case's audit trail: the facts as data, typed text as the note."""
    event = CaseEvent(
        case_id=case.id,
        at=now,
        actor=actor,
        actor_id=actor_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        # Never NULL on a new row: NULL marks rows written before, read from their note.
        data=dict(data or {}),
    )
    await add_row(session, event)
    # Subscribers hear of the change in the same transaction (storage.repos.webhooks).
    await webhooks.record_case_event(session, case=case, event=event)
    return event


async def get_case(session: AsyncSession, *, case_id: int) -> Case | None:
    """A case by id."""
    return await session.get(Case, case_id)


async def get_case_by_number(session: AsyncSession, *, number: str) -> Case | None:
    """A case by its number."""
    return await session.scalar(select(Case).where(Case.number == number.strip().upper()))


async def case_of_customer(
    session: AsyncSession, *, case_id: int, customer_id: int
) -> Case | None:
    """A case only if it belongs to this customer."""
    return await session.scalar(
        select(Case).where(Case.id == case_id, Case.customer_id == customer_id)
    )


async def cases_of_customer(
    session: AsyncSession, *, customer_id: int, limit: int = 20
) -> list[Case]:
    """A customer's cases, newest first."""
    rows = await session.scalars(_CASES_OF, {"customer_id": customer_id, "limit": limit})
    return list(rows)


# A customer's /cases: built once.
_CASES_OF = (
    select(Case)
    .where(Case.customer_id == bindparam("customer_id"))
    .order_by(Case.created_at.desc(), Case.id.desc())
    .limit(bindparam("limit"))
)


async def events_of(session: AsyncSession, *, case_id: int) -> list[CaseEvent]:
    """A case's timeline, oldest first."""
    rows = await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
    )
    return list(rows)


async def photos_of(session: AsyncSession, *, case_id: int) -> list[CasePhoto]:
    """A case's photos."""
    rows = await session.scalars(
        select(CasePhoto).where(CasePhoto.case_id == case_id).order_by(CasePhoto.id)
    )
    return list(rows)


async def lock_case(session: AsyncSession, *, case_id: int) -> Case | None:
    """The case, row-locked on PostgreSQL so concurrent presses on it run one after another."""
    return await session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def number_of(session: AsyncSession, *, case_id: int) -> str | None:
    """A case's number, if the case exists."""
    return await session.scalar(select(Case.number).where(Case.id == case_id))


async def queue(session: AsyncSession, *, now: datetime, limit: int = 30) -> list[Case]:
    """Unassigned cases and overdue ones (not answered, or not reached), oldest deadline first."""
    waiting = (CaseStatus.ASSIGNED, CaseStatus.ACCEPTED, CaseStatus.QUOTE_PENDING)
    rows = await session.scalars(
        select(Case).where(
            or_(
                Case.status == CaseStatus.NEW,
                (Case.status.in_(waiting))
                & (
                    (Case.responded_at.is_(None) & (Case.response_due_at < now))
                    | (Case.arrived_at.is_(None) & (Case.onsite_due_at < now))
                ),
            ),
            Case.kind != CaseKind.COMPLAINT,
        )
    )

    def deadline(case: Case) -> datetime:
        if case.responded_at is None:
            return case.response_due_at
        return case.onsite_due_at or case.response_due_at

    return sorted(rows, key=lambda c: (deadline(c), c.id))[:limit]


async def technician_case(
    session: AsyncSession, *, case_id: int, technician_id: int, statuses: Collection[str]
) -> Case | None:
    """The case only if this technician holds it in one of these statuses."""
    return await session.scalar(
        select(Case).where(
            Case.id == case_id,
            Case.technician_id == technician_id,
            Case.status.in_(list(statuses)),
        )
    )


async def technician_cases(
    session: AsyncSession, *, technician_id: int, statuses: Collection[str]
) -> list[Case]:
    """A technician's cases in these statuses, nearest on-site deadline first."""
    rows = await session.scalars(
        select(Case)
        .where(Case.technician_id == technician_id, Case.status.in_(list(statuses)))
        .order_by(Case.onsite_due_at, Case.id)
    )
    return list(rows)


async def open_complaints(session: AsyncSession, *, limit: int = 30) -> list[Case]:
    """Complaints not yet closed, oldest first."""
    rows = await session.scalars(
        select(Case)
        .where(Case.kind == CaseKind.COMPLAINT, Case.status == CaseStatus.NEW)
        .order_by(Case.created_at, Case.id)
        .limit(limit)
    )
    return list(rows)


async def last_case_of(session: AsyncSession, *, customer_id: int) -> Case | None:
    """A customer's most recent case (its address and product serve a return visit)."""
    return await session.scalar(
        select(Case)
        .where(Case.customer_id == customer_id)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(1)
    )


async def open_case_of_kind(session: AsyncSession, *, customer_id: int, kind: str) -> Case | None:
    """An open case of a kind for a customer (a return visit is not opened twice)."""
    return await session.scalar(
        select(Case)
        .where(
            Case.customer_id == customer_id,
            Case.kind == kind,
            Case.status.in_(list(OPEN_STATUSES)),
        )
        .limit(1)
    )


async def open_cases_of_customer(session: AsyncSession, *, customer_id: int) -> list[Case]:
    """A customer's cases not yet closed or cancelled, newest first."""
    rows = await session.scalars(
        select(Case)
        .where(Case.customer_id == customer_id, Case.status.in_(list(OPEN_STATUSES)))
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    return list(rows)


async def open_unverified_of_product(
    session: AsyncSession, *, product_id: int, warranty: str
) -> list[Case]:
    """A product's open cases whose warranty is still in the given (unverified) state."""
    rows = await session.scalars(
        select(Case)
        .where(
            Case.product_id == product_id,
            Case.warranty == warranty,
            Case.status.in_(list(OPEN_STATUSES)),
        )
        .order_by(Case.id)
    )
    return list(rows)
