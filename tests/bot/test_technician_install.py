"""Installation requests: same flow, a commissioning-and-training checklist in the report;
and the optional auto-assign policy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from storage.models import Assignment, ServiceReport
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    assign_to,
    check_in,
    harness,
    only_case,
    staff_team,
    timeline,
)
from tests.factories import make_product
from tests.harness import Harness
from tests.world import world_of

__all__ = ["harness"]


async def test_installation_report_needs_the_whole_checklist(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-3003", now=harness.clock.now())
    customer = await register(harness, CUSTOMER)
    await say(harness, customer, "/install")
    await say(harness, customer, "SN-3003")
    await say(harness, customer, "Please install the indoor unit in the office")
    await press(harness, customer, "Continue")
    await say(harness, customer, "1 Office Park, Pudong")
    await press(harness, customer, "Tomorrow by 18:00")
    await press(harness, customer, "Confirm")
    assert "New installation" in desk.texts()[-1]

    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    await say(harness, tech_a, "/jobs")
    await press(harness, tech_a, "Report")
    await say(harness, tech_a, "Installed and commissioned the unit")
    await press(harness, tech_a, "No more parts")
    await say(harness, tech_a, "4")
    await say(harness, tech_a, "0")
    await press(harness, tech_a, "Installation")
    await press(harness, tech_a, "No")
    await press(harness, tech_a, "Yes")
    assert "checklist" in tech_a.texts()[-1]
    await press(harness, tech_a, "Done")
    answered = harness.server.callback_answer(harness.last_update_payload()["update_id"])
    assert answered is not None and "tick every item" in answered.get("text", "")
    for item in ("Commissioned", "Test run passed", "Customer trained", "Manual handed over"):
        await press(harness, tech_a, item)
    await press(harness, tech_a, "Done")
    await press(harness, tech_a, "Submit")
    await press(harness, customer, "Confirm")
    case = await only_case(harness)
    assert case.kind == "installation" and case.status == "closed"
    assert (await timeline(harness, case.id))[-2:] == ["report_fixed", "close"]
    async with harness.session() as session:
        report = await session.scalar(select(ServiceReport))
    assert report is not None and report.checklist == {
        "commissioned": True, "tested": True, "trained": True, "handed_over": True,
    }  # fmt: skip


@pytest.fixture
async def auto_harness(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Harness]:
    """The bot with the auto-assign policy on."""
    running = Harness(botapi, engine, clock, auto_assign=True)
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def test_auto_assign_picks_the_local_skilled_technician(auto_harness: Harness) -> None:
    harness = auto_harness
    desk, tech_a, _ = await staff_team(harness)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-4004", now=harness.clock.now())
    # Registered in the chat; the desk sets the region dispatch matches (`customer region`).
    world = await world_of(harness)
    customer = await world.customer(CUSTOMER, region="Pudong")
    await say(harness, customer, "/report")
    await say(harness, customer, "SN-4004")
    await say(harness, customer, "Leaking water")
    await press(harness, customer, "Continue")
    await say(harness, customer, "88 Century Ave")
    await press(harness, customer, "Tomorrow by 18:00")
    await press(harness, customer, "Confirm")
    assert "assigned automatically to Tech An" in desk.texts()[-1]
    assert "New job for you" in (tech_a.last().text or "")
    case = await only_case(harness)
    assert case.status == "assigned" and case.responded_at is None
    async with harness.session() as session:
        assignment = await session.scalar(select(Assignment))
    assert assignment is not None and assignment.assigned_by is None
    assert assignment.rank_reason == "region, skill, load 0/5"
