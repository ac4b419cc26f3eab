"""Case use cases: opening a case and moving it, with its events and reminders."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import lifecycle
from domain.lifecycle import Action, Actor, CaseKind, CaseStatus
from domain.numbers import format_case_number
from domain.policy import ServicePolicy
from domain.reminders import moot_kinds, response_clock
from domain.sla import EarlierCase, repeat_of, response_due
from domain.warranty import Warranty, warranty_status
from storage.models import Case, CaseEvent, CasePhoto, Customer, DaySequence, Product
from storage.models.cases import CASE_NUMBERS
from storage.repos import reminders
from storage.upsert import dialect_insert

if TYPE_CHECKING:
    from services.desk import DeskRoute

logger = logging.getLogger(__name__)


@dataclass
class CaseDraft:
    """What a customer told us about a new request."""

    kind: CaseKind
    description: str
    product_id: int | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    onsite_due_at: datetime | None = None
    photos: list[tuple[str, str | None]] = field(default_factory=list)
    parent_id: int | None = None
    severity: str = "normal"


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


async def open_case(
    session: AsyncSession,
    *,
    customer: Customer,
    draft: CaseDraft,
    now: datetime,
    policy: ServicePolicy,
    desk: DeskRoute | None = None,
) -> Case:
    """Registers a request: number, warranty, repeat link, audit event, response clock, desk."""
    product: Product | None = None
    if draft.product_id is not None:
        product = await session.get(Product, draft.product_id)
    today = now.astimezone(policy.tz).date()
    warranty = (
        warranty_status(product.warranty_end, today, verified=product.verified)
        if product is not None
        else Warranty.UNVERIFIED
    )
    parent_id = draft.parent_id
    is_repeat = False
    if product is not None and draft.kind is CaseKind.FAULT:
        earlier = await earlier_closed(session, product_id=product.id)
        repeat = repeat_of(earlier, now, policy.repeat_window_days)
        if repeat is not None:
            parent_id, is_repeat = repeat, True
    case = Case(
        number=await next_case_number(session, day=today),
        kind=draft.kind,
        status=CaseStatus.NEW,
        customer_id=customer.id,
        product_id=product.id if product else None,
        parent_id=parent_id,
        is_repeat=is_repeat,
        warranty=warranty,
        description=draft.description,
        address=draft.address,
        latitude=draft.latitude,
        longitude=draft.longitude,
        region=customer.region,
        category=product.category if product else None,
        severity=draft.severity,
        created_at=now,
        response_due_at=response_due(now, policy.response.total_seconds() / 3600),
        onsite_due_at=draft.onsite_due_at,
        visits=0,
        reopen_count=0,
    )
    session.add(case)
    await session.flush()
    for file_id, unique_id in draft.photos:
        session.add(
            CasePhoto(
                case_id=case.id,
                file_id=file_id,
                file_unique_id=unique_id,
                added_by="customer",
                added_at=now,
            )
        )
    note = f"repeat of case #{parent_id}" if is_repeat else None
    await add_event(
        session,
        case=case,
        actor=Actor.CUSTOMER,
        actor_id=customer.telegram_id,
        action="create",
        now=now,
        to_status=CaseStatus.NEW,
        note=note,
    )
    await reminders.schedule_plan(
        session, case_id=case.id, plan=response_clock(now, policy, case.reopen_count)
    )
    # Imported here: services.dispatch builds on this module (move, add_event).
    from services.dispatch import announce_new_case

    await announce_new_case(session, case=case, now=now, route=desk, policy=policy)
    logger.info("case %s registered (%s)", case.number, case.kind, extra={"case": case.number})
    return case


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
    return event


async def move(
    session: AsyncSession,
    *,
    case: Case,
    action: Action,
    actor: Actor,
    actor_id: int | None,
    now: datetime,
    note: str | None = None,
) -> CaseStatus:
    """The only way a status changes: checks the table, logs the event, cancels moot reminders."""
    source = CaseStatus(case.status)
    target = lifecycle.transition(source, action, actor)
    case.status = target
    await add_event(
        session,
        case=case,
        actor=actor,
        actor_id=actor_id,
        action=action,
        now=now,
        from_status=source,
        to_status=target,
        note=note,
    )
    logger.info(
        "case %s: %s, %s -> %s", case.number, action, source, target, extra={"case": case.number}
    )
    moot = moot_kinds(action, actor)
    if moot:
        await reminders.cancel(session, case_id=case.id, kinds=moot, now=now)
    return target


async def reopen(
    session: AsyncSession,
    *,
    case: Case,
    actor: Actor,
    actor_id: int | None,
    now: datetime,
    policy: ServicePolicy,
    note: str,
) -> None:
    """Back to `new` after a bad outcome: counted against first-time fix, response clock anew."""
    await move(
        session,
        case=case,
        action=Action.REOPEN,
        actor=actor,
        actor_id=actor_id,
        now=now,
        note=note,
    )
    case.reopen_count += 1
    case.first_time_fix = False
    case.resolved_at = None
    case.responded_at = None
    case.response_due_at = now + policy.response
    await reminders.schedule_plan(
        session, case_id=case.id, plan=response_clock(now, policy, case.reopen_count)
    )


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
