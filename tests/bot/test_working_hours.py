"""The response clock in working hours (issue #22): reminders and escalation count only the
department's working time, and every due time people see is the real moment it falls due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.cli import build_parser
from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from sandbox.users import SandboxUser
from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import (
    DISPATCHER,
    closed_job,
    customer_with_case,
    only_case,
    staff_team,
)
from tests.cli_support import stamp_head
from tests.factories import make_staff
from tests.harness import Harness

SUPERVISOR = 5002
OFFICE = {"working_hours": "Mon-Fri 09:00-18:00", "response_hours": 4}


@pytest.fixture
def clock() -> ManualClock:
    """Friday 2026-11-27 17:00 Shanghai: one working hour left in the week."""
    return ManualClock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))


@asynccontextmanager
async def _bot(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock, **overrides: Any
) -> AsyncIterator[Harness]:
    """The bot with these settings, a dispatcher, two technicians and a supervisor."""
    harness = Harness(botapi, engine, clock, **overrides)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def _team(harness: Harness) -> tuple[SandboxUser, SandboxUser]:
    """The dispatcher and a supervisor."""
    desk, _, _ = await staff_team(harness)
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=SUPERVISOR, roles=["supervisor"],
                         now=harness.clock.now(), name="Sup Chen")  # fmt: skip
    return desk, harness.user(SUPERVISOR, "Chen")


async def _until(harness: Harness, local: str) -> None:
    """Moves the clock to a Shanghai moment ("2026-11-30 11:00") and runs one sweep."""
    moment = datetime.fromisoformat(f"{local}+08:00")
    harness.advance(moment - harness.clock.now())
    await harness.tick()


def _said(user: SandboxUser, fragment: str) -> list[str]:
    return [t for t in user.texts() if fragment in t]


async def test_friday_evening_fault_is_due_on_monday_and_chased_then(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> None:
    async with _bot(botapi, engine, clock, **OFFICE) as harness:
        desk, supervisor = await _team(harness)
        customer = await customer_with_case(harness)
        # 1 working hour on Friday, 3 on Monday: due Monday 12:00, the real moment.
        [confirmed] = _said(customer, "registered as")
        assert "answer by 2026-11-30 12:00" in confirmed
        assert "on site by 2026-11-28 18:00" in confirmed  # the customer's choice, untouched
        assert "Answer by: 2026-11-30 12:00" in desk.texts()[-1]
        assert "answer by 2026-11-30 12:00" in await _queue(harness, desk)
        assert "count working hours only" in await say(harness, customer, "/help")

        await _until(harness, "2026-11-27 21:00")  # the 24-hour clock's breach: nothing
        await _until(harness, "2026-11-28 17:00")
        await _until(harness, "2026-11-30 10:59")
        assert not _said(desk, "no response") and not _said(supervisor, "not answered")

        await _until(harness, "2026-11-30 11:00")  # 3 of 4 working hours gone
        [reminder] = _said(desk, "no response")
        assert "no response for 3 working hours" in reminder
        assert "answered by 2026-11-30 12:00" in reminder
        assert not _said(supervisor, "not answered")

        await _until(harness, "2026-11-30 12:00")
        [breach] = _said(supervisor, "not answered")
        assert "within 4 working hours (due 2026-11-30 12:00)" in breach


async def _queue(harness: Harness, desk: SandboxUser) -> str:
    desk.send_text("/queue")
    await harness.settle()
    return desk.texts()[-1]


async def test_a_holiday_in_the_file_is_skipped(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock, tmp_path: Path
) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("# a day off on Monday\n2026-11-30\n", encoding="utf-8")
    async with _bot(botapi, engine, clock, **OFFICE, holidays_file=str(holidays)) as harness:
        desk, supervisor = await _team(harness)
        customer = await customer_with_case(harness)
        assert "answer by 2026-12-01 12:00" in _said(customer, "registered as")[0]
        await _until(harness, "2026-11-30 12:00")
        assert not _said(desk, "no response") and not _said(supervisor, "not answered")
        await _until(harness, "2026-12-01 11:00")
        assert "no response for 3 working hours" in _said(desk, "no response")[0]
        await _until(harness, "2026-12-01 12:00")
        assert "(due 2026-12-01 12:00)" in _said(supervisor, "not answered")[0]


async def test_without_working_hours_the_clock_is_the_24_hour_one(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> None:
    async with _bot(botapi, engine, clock) as harness:
        desk, supervisor = await _team(harness)
        customer = await customer_with_case(harness)
        assert "answer by 2026-11-28 17:00" in _said(customer, "registered as")[0]
        promise = await say(harness, customer, "/help")
        assert "an answer within 24 hours" in promise and "working hours" not in promise
        await _until(harness, "2026-11-28 11:00")  # 18 of 24 hours, on a Saturday
        [reminder] = _said(desk, "no response")
        assert "no response for 18 h. It must be answered by 2026-11-28 17:00" in reminder
        await _until(harness, "2026-11-28 17:00")
        assert (
            "not answered within 24 h (due 2026-11-28 17:00)"
            in _said(supervisor, "not answered")[0]
        )


async def test_the_monthly_report_counts_an_answer_in_working_time_as_on_time(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock,
    db_url_and_schema: tuple[str, str | None], capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    async with _bot(botapi, engine, clock, **OFFICE) as harness:
        desk, _ = await _team(harness)
        await customer_with_case(harness)
        await _until(harness, "2026-11-30 11:30")  # 66 h later, 3.5 working hours
        await press(harness, desk, "Assign")
        await press(harness, desk, "1. Tech An")
        case = await only_case(harness)
        assert case.responded_at is not None and case.responded_at <= case.response_due_at
        await stamp_head(engine)
        url, schema = db_url_and_schema
        settings = harness.settings().model_copy(
            update={"database_url": url, "database_schema": schema}
        )
        args = build_parser().parse_args(["report", "monthly", "--month", "2026-11"])
        capsys.readouterr()
        assert await asyncio.to_thread(args.handler, settings, args) == 0
        out = capsys.readouterr().out
        [line] = [t for t in out.splitlines() if "Answered within the response time" in t]
        assert "100.0" in line, line
        assert "24 h" not in out  # the clock here is 4 working hours, whatever the label said


async def test_a_survey_reopening_on_friday_evening_promises_monday(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> None:
    async with _bot(botapi, engine, clock, **OFFICE) as harness:
        customer = await closed_job(harness)
        await _until(harness, "2026-11-27 18:00")  # the survey comes an hour after closing
        for label in ("3 — Neutral", "Yes", "4 — Good", "No"):
            await press(harness, customer, label)
        [reopened] = _said(customer, "is reopened")
        assert "will contact you by 2026-11-30 13:00" in reopened
        desk = harness.user(DISPATCHER)
        assert "Please respond by 2026-11-30 13:00" in desk.texts()[-1]
