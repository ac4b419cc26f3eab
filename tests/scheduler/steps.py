"""Building cases in given states straight through storage, for the scheduler tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Action, Actor, CaseKind
from domain.policy import ServicePolicy
from domain.reminders import onsite_clock
from services import workflow
from storage.models import Case, Staff
from storage.repos import people, reminders
from tests.factories import make_case, make_customer, make_staff
from tests.harness import Harness

CUSTOMER = 2001
DISPATCHER = 3001
SUPERVISOR = 3002
TECHNICIAN = 3003
ADMIN = 3004


async def staff(harness: Harness) -> None:
    """A dispatcher, a supervisor, a technician and an admin."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=DISPATCHER, roles=["dispatcher"], now=now)
        await make_staff(
            session, telegram_id=SUPERVISOR, roles=["supervisor"], now=now, name="Li Si"
        )
        await make_staff(
            session, telegram_id=TECHNICIAN, roles=["technician"], now=now, name="Wang Wu"
        )
        await make_staff(session, telegram_id=ADMIN, roles=["admin"], now=now, name="Zhao Liu")


async def new_case(
    harness: Harness,
    *,
    customer_id: int = CUSTOMER,
    kind: CaseKind = CaseKind.FAULT,
    onsite_in: timedelta = timedelta(hours=8),
) -> int:
    """A freshly registered case (response clock planned); returns its id."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        customer = await make_customer(session, telegram_id=customer_id, now=now)
        case = await make_case(session, customer=customer, now=now, kind=kind, onsite_in=onsite_in)
        return case.id


async def assign_and_accept(harness: Harness, case_id: int, *, accept: bool = True) -> None:
    """The desk assigns the technician (the response clock stops), who accepts; on-site clock."""
    now = harness.clock.now()
    policy = ServicePolicy()
    async with harness.session() as session, session.begin():
        case = await session.get(Case, case_id)
        assert case is not None and case.onsite_due_at is not None
        technician = await _staff(session, TECHNICIAN)
        await workflow.move(
            session,
            case=case,
            action=Action.ASSIGN,
            actor=Actor.DESK,
            actor_id=DISPATCHER,
            now=now,
        )
        case.technician_id = technician.id
        case.responded_at = now
        if accept:
            await workflow.move(
                session,
                case=case,
                action=Action.ACCEPT,
                actor=Actor.TECHNICIAN,
                actor_id=TECHNICIAN,
                now=now,
            )
            case.accepted_at = now
        await reminders.schedule_plan(
            session, case_id=case.id, plan=onsite_clock(case.onsite_due_at, now, policy)
        )


async def check_in(harness: Harness, case_id: int) -> None:
    """The technician checks in on site."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        case = await session.get(Case, case_id)
        assert case is not None
        await workflow.move(
            session,
            case=case,
            action=Action.CHECK_IN,
            actor=Actor.TECHNICIAN,
            actor_id=TECHNICIAN,
            now=now,
        )
        case.arrived_at = now


async def _staff(session: AsyncSession, telegram_id: int) -> Staff:
    """A staff member by Telegram id."""
    found = await people.get_staff(session, telegram_id=telegram_id)
    assert found is not None
    return found
