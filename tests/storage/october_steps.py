"""The month of October 2026 the monthly-report test lives through (see test_reports.py):
the chat through the local Bot API server, the dashboard and the CLI, on the injected clock."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands import staff as staff_cli
from core.clock import ManualClock
from core.settings import Settings
from sandbox.botapi import BotApiServer
from sandbox.users import SandboxUser
from storage.models import Case, Customer, SupplierClaim
from tests.bot.customer_steps import press, register, report_fault, say
from tests.bot.dispatch_steps import (
    PURCHASING_CHAT,
    QUALITY_CHAT,
    TECH_A,
    TECH_B,
    assign_to,
    check_in,
    file_report,
    staff_team,
)
from tests.cli_support import cli
from tests.factories import make_product, make_staff
from tests.harness import Harness
from tests.web.conftest import Client, log_in

TZ = ZoneInfo("Asia/Shanghai")
SUPERVISOR = 5009
SUPERVISOR_ZH = 5010
CUSTOMERS = {"A": 7001, "B": 7002, "C": 7003, "K": 7004}


def L(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A local moment of 2026 in Shanghai."""
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def clock() -> ManualClock:
    """October 1, 2026, 08:00 in Shanghai: the month starts with the test."""
    return ManualClock(L(10, 1, 8))


@pytest.fixture
async def harness(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Harness]:
    """The bot with quality and purchasing chats, key-customer visits every 10 days."""
    running = Harness(
        botapi, engine, clock, quality_chat_id=QUALITY_CHAT, purchasing_chat_id=PURCHASING_CHAT,
        return_visit_days=10,
    )  # fmt: skip
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def walk_to(harness: Harness, moment: datetime) -> None:
    """Lets the clock run to a moment, the scheduler sweeping twice a day on the way (nothing
    this month needs a reminder on time; sweeps are what the test spends its time on)."""
    while harness.clock.now() < moment:
        harness.clock.set(min(harness.clock.now() + timedelta(hours=12), moment))
        await harness.tick()
    await harness.tick()


def at(harness: Harness, moment: datetime) -> None:
    """Moves the clock to a moment (no sweep: nothing is due in between)."""
    assert moment >= harness.clock.now()
    harness.clock.set(moment)


async def case_of(harness: Harness, customer_id: int, kind: str = "fault") -> Case:
    """The customer's newest case of a kind."""
    async with harness.session() as session:
        found = await session.scalar(
            select(Case)
            .join(Customer, Customer.id == Case.customer_id)
            .where(Case.kind == kind, Customer.telegram_id == customer_id)
            .order_by(Case.id.desc())
            .limit(1)
        )
    assert found is not None
    return found


async def answer_survey(harness: Harness, user: SandboxUser, labels: list[str]) -> None:
    """The customer answers the survey pushed to them, question by question."""
    assert "Question 1 of 7" in user.texts()[-1]
    for label in labels:
        await press(harness, user, label)


async def job(
    harness: Harness,
    tech: SandboxUser,
    customer: SandboxUser,
    *,
    parts: tuple[str, ...] = (),
    cause: str = "Wear",
    supplier: str | None = None,
    major: bool = False,
) -> None:
    """The technician, assigned, accepts, checks in an hour later, reports an hour after
    that; the customer confirms the report at once."""
    await press(harness, tech, "Accept")
    harness.advance(timedelta(hours=1))
    await check_in(harness, tech)
    harness.advance(timedelta(hours=1))
    filed = await file_report(
        harness, tech, parts=parts, cause=cause, supplier=supplier, major=major
    )
    assert "filed" in filed, filed
    await press(harness, customer, "Confirm")


async def live_october(harness: Harness, settings: Settings, client: Client) -> None:
    """The month of test_reports.py's docstring, through the chat, the dashboard and the CLI."""
    await harness.tick()  # plans the calendar rows (return visits at 09:00, reports on the 1st)
    desk, an, bo = await staff_team(harness)
    async with harness.session() as session, session.begin():
        now = harness.clock.now()
        await make_staff(session, telegram_id=SUPERVISOR, roles=["supervisor"], now=now,
                         name="Chen Sup")  # fmt: skip
        await make_staff(session, telegram_id=SUPERVISOR_ZH, roles=["supervisor"], now=now,
                         name="Zhao Sup", language="zh_CN")  # fmt: skip
        for serial in ("SN-1", "SN-2", "SN-3"):
            await make_product(session, serial=serial, now=now)  # the catalog import
    certify = staff_cli.certify_staff
    for telegram_id, until in ((TECH_A, "2027-06-30"), (TECH_B, "2026-09-30")):
        args = argparse.Namespace(
            telegram_id=telegram_id, category="hvac", until=until, revoke=False
        )
        assert await certify(harness.sessions, args, harness.clock) == 0
    users = {
        name: await register(
            harness,
            telegram_id,
            name=f"Customer {name}",
            phone=f"+86138001380{telegram_id % 100:02d}",
        )
        for name, telegram_id in CUSTOMERS.items()
    }
    assert await cli(settings, "customer", "key", str(CUSTOMERS["K"]), "--on") == 0
    await walk_to(harness, L(10, 1, 9))  # the 09:00 calendar: K's first visit on 10-11 09:00
    at(harness, L(10, 1, 10))

    # C1: fixed first time by An.
    assert "registered as" in await report_fault(harness, users["A"], serial="SN-1")
    await assign_to(harness, desk, "Tech An")
    await job(harness, an, users["A"], parts=("Relay, 2, 35.50",))
    harness.advance(timedelta(hours=1))
    await harness.tick()
    await answer_survey(harness, users["A"], [
        "5 — Very satisfied", "Yes", "5 — Excellent", "Yes", "No", "10", "Skip",
    ])  # fmt: skip

    # C2: Bo, whose certificate expired; a supplier's valve; money asked for.
    await walk_to(harness, L(10, 5, 10))
    assert "registered as" in await report_fault(harness, users["B"], serial="SN-2")
    await press(harness, desk, "Assign")
    warning = await press(harness, desk, "Tech Bo")
    assert "Tech Bo is not certified for hvac" in warning
    await press(harness, desk, "Assign anyway")
    await job(harness, bo, users["B"], parts=("Valve, 1, 80.00",), cause="Supplier part",
              supplier="Acme Parts", major=True)  # fmt: skip
    harness.advance(timedelta(hours=1))
    await harness.tick()
    await answer_survey(harness, users["B"], [
        "4 — Satisfied", "Yes", "4 — Good", "Yes", "Yes", "8", "Skip",
    ])  # fmt: skip
    complaint = await case_of(harness, CUSTOMERS["B"], kind="complaint")
    at(harness, L(10, 5, 18))
    supervisor = harness.user(SUPERVISOR)
    await say(harness, supervisor, "/complaints")
    await press(harness, supervisor, f"Take {complaint.number}")
    await press(harness, supervisor, "Close with root cause")
    await press(harness, supervisor, "Communication")
    closed = await say(harness, supervisor, "Apologised; the technician was warned.")
    assert f"Complaint {complaint.number} is closed" in closed

    # Purchasing (the supervisor) records the claim's outcome on the dashboard's register.
    await walk_to(harness, L(10, 6, 10))
    csrf = await log_in(harness, client, SUPERVISOR)
    async with harness.session() as session:
        claim = await session.scalar(select(SupplierClaim))
    assert claim is not None
    recorded = await client.post(
        f"/claims/{claim.id}/outcome",
        data={"csrf": csrf, "outcome": "accepted", "note": "credit note 42"},
        allow_redirects=False,
    )
    assert recorded.status == 302

    # V1: K's first return visit opens on 10-11 at 09:00; An visits and reports.
    await walk_to(harness, L(10, 11, 9))
    visit = await case_of(harness, CUSTOMERS["K"], kind="return_visit")
    assert visit.created_at == L(10, 11, 9)
    await say(harness, desk, "/queue")
    await press(harness, desk, f"Assign {visit.number}")
    await press(harness, desk, "Tech An")
    await press(harness, an, "Accept")
    harness.advance(timedelta(hours=1))
    await check_in(harness, an)
    harness.advance(timedelta(minutes=30))
    assert "filed" in await file_report(harness, an)
    await press(harness, users["K"], "Confirm")

    # C3: fixed, then "not solved" in the survey: reopened, repaired again the same day.
    await walk_to(harness, L(10, 12, 10))
    assert "registered as" in await report_fault(harness, users["C"], serial="SN-3")
    await assign_to(harness, desk, "Tech An")
    await job(harness, an, users["C"])
    harness.advance(timedelta(hours=1))
    await harness.tick()
    await answer_survey(harness, users["C"], ["3 — Neutral", "Yes", "3 — Acceptable", "No"])
    c3 = await case_of(harness, CUSTOMERS["C"])
    assert c3.status == "new" and c3.reopen_count == 1
    await say(harness, desk, "/queue")
    await press(harness, desk, f"Assign {c3.number}")
    assert "Tech Bo is not certified for hvac" in await press(harness, desk, "Tech Bo")
    await press(harness, desk, "Assign anyway")
    await job(harness, bo, users["C"])
    harness.advance(timedelta(hours=1))
    await harness.tick()
    assert "Question 1 of 7" in users["C"].texts()[-1]  # the re-repair's survey, unanswered

    # V2 opens on 10-21 and waits; on 10-31 it is still open, so no third visit.
    await walk_to(harness, L(10, 31, 20))
