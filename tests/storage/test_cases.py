"""Storage: case numbers, opening and moving cases, reminders and the outbox primitives."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.messages import Message
from domain.lifecycle import Action, Actor, CaseStatus, IllegalTransition
from domain.reminders import PlannedReminder, ReminderKind
from services import workflow
from storage.db import create_session_factory, read_sessions
from storage.models import CaseEvent, Reminder
from storage.repos import cases as case_rows
from storage.repos import inbox, outbox, reminders
from tests.conftest import USE_PG
from tests.factories import make_case, make_customer, make_product

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_numbers_are_unique_under_concurrency(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)

    async def take() -> str:
        async with sessions() as session, session.begin():
            return await case_rows.next_case_number(session, day=date(2026, 11, 23))

    numbers = await asyncio.gather(*(take() for _ in range(20)))
    if USE_PG:  # from a sequence: unique, but a value raced past the day's base is skipped
        assert len(set(numbers)) == 20
        assert all(n.startswith("SR-20261123-") and int(n[-4:]) >= 1 for n in numbers)
    else:
        assert sorted(numbers) == [f"SR-20261123-{i:04d}" for i in range(1, 21)]
    async with sessions() as session, session.begin():
        assert await case_rows.next_case_number(session, day=date(2026, 11, 24)) == (
            "SR-20261124-0001"
        )


@pytest.mark.skipif(not USE_PG, reason="SQLite has one writer: transactions never overlap")
async def test_a_number_does_not_wait_for_an_open_transaction(engine: AsyncEngine) -> None:
    """PostgreSQL: opening cases at once never queues on a counter row (bench: throughput).

    Only the day's first number sets the day's base, which a concurrent one waits for.
    """
    sessions = create_session_factory(engine)
    day = date(2026, 11, 23)
    async with sessions() as opening, opening.begin():
        assert await case_rows.next_case_number(opening, day=day) == "SR-20261123-0001"
    async with sessions() as first, first.begin():
        assert await case_rows.next_case_number(first, day=day) == "SR-20261123-0002"
        async with sessions() as second, second.begin():
            taken = await asyncio.wait_for(case_rows.next_case_number(second, day=day), 5)
        assert taken == "SR-20261123-0003"
        await first.rollback()  # its number stays unused: a gap, never a duplicate
    async with sessions() as third, third.begin():
        assert await case_rows.next_case_number(third, day=day) == "SR-20261123-0004"


async def test_moves_record_events_and_cancel_moot_reminders(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        customer = await make_customer(session, telegram_id=1, now=NOW)
        product = await make_product(session, serial="SN-1", now=NOW, customer=customer)
        case = await make_case(session, customer=customer, product=product, now=NOW)
        await workflow.move(
            session,
            case=case,
            action=Action.ASSIGN,
            actor=Actor.DESK,
            actor_id=9,
            now=NOW + timedelta(hours=1),
            note="to Li",
        )
        with pytest.raises(IllegalTransition):
            await workflow.move(
                session,
                case=case,
                action=Action.CHECK_IN,
                actor=Actor.TECHNICIAN,
                actor_id=5,
                now=NOW,
            )
    async with sessions() as session:
        events = list(await session.scalars(select(CaseEvent).order_by(CaseEvent.id)))
        rows = list(await session.scalars(select(Reminder).order_by(Reminder.id)))
    assert [(e.action, e.from_status, e.to_status, e.note) for e in events] == [
        ("create", None, "new", None),
        ("assign", "new", "assigned", "to Li"),
    ]
    assert case.status == CaseStatus.ASSIGNED
    # The assignment stops the response clock; the on-site clock runs on whoever holds the case.
    response = [r for r in rows if r.kind == "response"]
    assert all(r.cancelled_at == NOW + timedelta(hours=1) for r in response) and len(response) == 2
    onsite = [r for r in rows if r.kind == "onsite"]
    assert onsite and all(r.cancelled_at is None for r in onsite)


async def test_a_reminder_is_claimed_once(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        assert await reminders.schedule(session, key="k1", kind="x", stage="y", due_at=NOW)
        assert not await reminders.schedule(session, key="k1", kind="x", stage="y", due_at=NOW)
        [reminder_id] = await reminders.due_ids(session, now=NOW)

    async def claim() -> bool:
        async with sessions() as session, session.begin():
            return await reminders.claim(session, reminder_id=reminder_id, now=NOW) is not None

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert results.count(True) == 1


async def test_a_reminder_plan_is_written_once_per_key(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    first = [
        PlannedReminder(ReminderKind.QUOTE, "reminder", NOW + timedelta(hours=18)),
        PlannedReminder(ReminderKind.QUOTE, "breach", NOW + timedelta(hours=24)),
    ]
    async with sessions() as session, session.begin():
        customer = await make_customer(session, telegram_id=1, now=NOW)
        product = await make_product(session, serial="SN-1", now=NOW, customer=customer)
        case = await make_case(session, customer=customer, product=product, now=NOW)
        await reminders.schedule_plan(session, case_id=case.id, plan=first)
    # Planned again (a state entered twice), one step new: only the new key is added and the
    # existing rows keep their times.
    again = [
        PlannedReminder(ReminderKind.QUOTE, "reminder", NOW + timedelta(hours=99)),
        PlannedReminder(ReminderKind.QUOTE, "breach", NOW + timedelta(hours=99)),
        PlannedReminder(ReminderKind.QUOTE, "breach", NOW + timedelta(hours=48), round=1),
    ]
    async with sessions() as session, session.begin():
        await reminders.schedule_plan(session, case_id=case.id, plan=again)
        await reminders.schedule_plan(session, case_id=case.id, plan=[])
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(Reminder).where(
                    Reminder.case_id == case.id, Reminder.kind == ReminderKind.QUOTE
                )
            )
        ).all()
    assert sorted((r.key, r.due_at - NOW) for r in rows) == [
        (f"case:{case.id}:quote:breach:0", timedelta(hours=24)),
        (f"case:{case.id}:quote:breach:1", timedelta(hours=48)),
        (f"case:{case.id}:quote:reminder:0", timedelta(hours=18)),
    ]


async def test_outbox_dedupes_and_inbox_ignores_redelivery(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        message = Message("common.error")
        for _ in range(2):
            await outbox.enqueue(
                session, chat_id=7, message=message, language="en", dedupe_key="same", now=NOW
            )
        payload = {"update_id": 10, "message": {"chat": {"id": 7}, "from": {"id": 7}}}
        assert await inbox.store(session, payload=payload, now=NOW)
        assert not await inbox.store(session, payload=payload, now=NOW)
    async with sessions() as session:
        assert len(await outbox.messages_for(session, chat_id=7)) == 1
        assert [row.chat_key for row in await inbox.pending(session)] == ["c7"]


async def test_a_reader_does_not_wait_behind_a_writer(engine: AsyncEngine) -> None:
    """The pump's and the sender's polls read a snapshot; SQLite's writer lock never holds them."""
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        await inbox.store(session, payload={"update_id": 1, "message": {}}, now=NOW)
    async with sessions() as writer, writer.begin():
        # The writer holds the lock (SQLite: BEGIN IMMEDIATE) with a second update not committed.
        await inbox.store(writer, payload={"update_id": 2, "message": {}}, now=NOW)
        async with read_sessions(sessions)() as reader:
            pending = await asyncio.wait_for(inbox.pending(reader), timeout=5)
        assert [row.update_id for row in pending] == [1]
