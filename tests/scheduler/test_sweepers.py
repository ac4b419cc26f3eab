"""Two sweepers on one database never fire a reminder twice; failing handlers are given up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.registry import JobContext, handles
from scheduler.sweep import Sweeper
from services.policy import policy_from
from storage.db import create_engine, create_session_factory
from storage.models import OutboxMessage, Reminder
from storage.repos import reminders
from tests.harness import Harness
from tests.scheduler.steps import DISPATCHER, new_case, staff

CASES = 24


async def test_two_sweepers_fire_each_reminder_once(
    harness: Harness, db_url_and_schema: tuple[str, str | None]
) -> None:
    await staff(harness)
    for number in range(CASES):
        # The on-site deadline far enough that only the response reminders are due.
        await new_case(harness, customer_id=9000 + number, onsite_in=timedelta(days=3))
    harness.advance(timedelta(hours=18))
    url, schema = db_url_and_schema
    engines: list[AsyncEngine] = [create_engine(url, schema=schema) for _ in range(2)]
    settings = harness.settings()
    sweepers = [
        Sweeper(
            create_session_factory(engine), harness.clock, settings, policy_from(settings), batch=5
        )
        for engine in engines
    ]
    try:
        fired = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))
        again = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(fired) == CASES and sum(again) == 0
    async with harness.session() as session:
        queued = await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.chat_id == DISPATCHER, OutboxMessage.dedupe_key.like("rem:%")
            )
        )
        unsent = await session.scalar(
            select(func.count(Reminder.id)).where(
                Reminder.kind == "response", Reminder.stage == "remind", Reminder.sent_at.is_(None)
            )
        )
    assert (queued, unsent) == (CASES, 0)


@handles("test_boom", "run")
async def explode(ctx: JobContext, reminder: Reminder) -> None:
    """A handler that always fails after writing something (which must be rolled back)."""
    reminder.payload = {"half": "done"}
    raise RuntimeError("boom")


async def test_a_failing_handler_is_given_up_after_its_attempts(harness: Harness) -> None:
    await staff(harness)
    case_id = await new_case(harness)
    async with harness.session() as session, session.begin():
        await reminders.schedule(
            session, key="test:boom", kind="test_boom", stage="run", due_at=harness.clock.now()
        )
    harness.advance(timedelta(hours=18))
    attempts = harness.settings().reminder_max_attempts
    for _ in range(attempts + 2):
        await harness.tick()
    async with harness.session() as session:
        boom = await session.scalar(select(Reminder).where(Reminder.key == "test:boom"))
        others = await reminders.reminders_of(session, case_id=case_id)
    assert boom is not None
    assert boom.attempts == attempts and boom.cancelled_at is not None and boom.sent_at is None
    assert boom.payload is None and boom.last_error == "RuntimeError: boom"
    assert [r.sent_at is not None for r in others if r.stage == "remind"] == [True]
    assert len([t for t in harness.user(DISPATCHER).texts() if "no response" in t]) == 1
