"""Cases: numbers, lookups, the timeline and photos (plain queries; nothing decides here)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Actor, CaseKind, CaseStatus
from domain.numbers import format_case_number
from domain.sla import EarlierCase
from storage.models import Case, CaseEvent, CasePhoto, DaySequence
from storage.models.cases import CASE_NUMBERS
from storage.repos import webhooks
from storage.upsert import dialect_insert


async def next_case_number(session: AsyncSession, *, day: date) -> str:
    """Gives out the next number of a local day, atomically on both backends.

    SQLite counts in the day's row. On PostgreSQL a counter row would be locked by every
    transaction that opens a case until it commits, and under load those transactions queued
    behind each other for seconds (bench: throughput, the Confirm step); there the number
    comes from a sequence, which never waits, less the day's base. A transaction that rolls
    back leaves its number unused: PostgreSQL's numbers may have gaps.
    """
    if session.get_bind().dialect.name == "postgresql":
        return format_case_number(day, await _sequence_number(session, day))
    statement = dialect_insert(session, DaySequence).values(day=day, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=["day"], set_={"last": DaySequence.last + 1}
    ).returning(DaySequence.last)
    sequence = (await session.execute(statement)).scalar_one()
    return format_case_number(day, int(sequence))


_NEXT_AND_BASE = select(
    CASE_NUMBERS.next_value(),
    select(DaySequence.last).where(DaySequence.day == bindparam("day")).scalar_subquery(),
)


async def _sequence_number(session: AsyncSession, day: date) -> int:
    """PostgreSQL: the next sequence value less the day's base (set by the day's first case)."""
    for _ in range(5):
        value, base = (await session.execute(_NEXT_AND_BASE, {"day": day})).one()
        if base is None:  # the day's first case: the value before it is the day's base
            base = await session.scalar(
                dialect_insert(session, DaySequence)
                .values(day=day, last=value - 1)
                .on_conflict_do_nothing(index_elements=["day"])
                .returning(DaySequence.last)
            )
            if base is None:  # another transaction set it first (this statement waited)
                base = await session.scalar(select(DaySequence.last).where(DaySequence.day == day))
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
) -> CaseEvent:
    """Appends one line to a case's audit trail."""
    event = CaseEvent(
        case_id=case.id,
        at=now,
        actor=actor,
        actor_id=actor_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    session.add(event)
    await session.flush()
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
