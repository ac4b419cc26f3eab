"""A configured desk group chat: announcements land there and dispatchers work from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from sandbox.users import SandboxGroup
from storage.models import Survey
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    check_in,
    file_report,
    only_case,
    staff_team,
    timeline,
)
from tests.factories import make_product
from tests.harness import Harness

DESK_CHAT = -100500


@pytest.fixture
async def harness(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Harness]:
    """The bot with a desk group chat."""
    running = Harness(botapi, engine, clock, desk_chat_id=DESK_CHAT)
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


def desk_group(harness: Harness) -> SandboxGroup:
    """The desk group, its updates awaited by harness.settle()."""
    group = SandboxGroup(harness.server, DESK_CHAT, "Service desk")
    original = group._push

    def push(update: dict[str, Any]) -> int:
        update_id = original(update)
        harness._pushed.append(update_id)
        return update_id

    group._push = push  # type: ignore[method-assign]
    return group


async def test_desk_group_assigns_and_closes_with_photos_sent_to_the_technician(
    harness: Harness,
) -> None:
    dispatcher, tech_a, _ = await staff_team(harness)
    group = desk_group(harness)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-5005", now=harness.clock.now())
    customer = await register(harness, CUSTOMER)
    await say(harness, customer, "/report")
    await say(harness, customer, "SN-5005")
    customer.send_photo(b"photo-1", caption="Water on the floor")
    await harness.settle()
    await press(harness, customer, "Continue")
    await say(harness, customer, "5 Lujiazui Ring Rd")
    await press(harness, customer, "Tomorrow by 18:00")
    await press(harness, customer, "Confirm")
    assert "New fault repair SR-20261123-0001" in (group.last().text or "")
    # The group gets it, not each dispatcher (who only had the welcome when joining).
    assert [t for t in dispatcher.texts() if "New fault repair" in t] == []

    group.press(customer, "Assign")  # a customer in the group is refused
    await harness.settle()
    assert "Who should take" not in (group.last().text or "")
    group.press(dispatcher, "Assign")
    await harness.settle()
    group.press(dispatcher, "Tech An")
    await harness.settle()
    assert "assigned to Tech An" in (group.last().text or "")
    photos = [m for m in tech_a.inbox() if m.photo_file_id]
    assert len(photos) == 1 and "Photo from the customer" in (photos[0].text or "")

    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    await file_report(harness, tech_a)
    group.send_text(dispatcher, "/close SR-20261123-0001 Confirmed by phone")
    await harness.settle()
    assert "SR-20261123-0001 is closed" in (group.last().text or "")
    assert "closed by the service desk" in customer.texts()[-1]
    case = await only_case(harness)
    assert case.status == "closed" and case.close_reason == "desk" and case.first_time_fix
    assert (await timeline(harness, case.id))[-1] == "close"
    async with harness.session() as session:
        assert await session.scalar(select(Survey)) is not None


async def test_a_customer_message_goes_to_the_desk_group_and_is_answered_from_it(
    harness: Harness,
) -> None:
    dispatcher, _, _ = await staff_team(harness)
    group = desk_group(harness)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-5005", now=harness.clock.now())
    customer = await register(harness, CUSTOMER)
    await say(harness, customer, "/report")
    await say(harness, customer, "SN-5005")
    await say(harness, customer, "Water on the floor")
    await press(harness, customer, "Continue")
    await say(harness, customer, "5 Lujiazui Ring Rd")
    await press(harness, customer, "Tomorrow by 18:00")
    await press(harness, customer, "Confirm")
    assert "Customer: Wang Wei, +8613800138000" in (group.last().text or "")

    assert "Added to your case" in await say(harness, customer, "It is getting worse")
    assert "Wang Wei wrote about SR-20261123-0001:\nIt is getting worse" in (
        group.last().text or ""
    )
    # The group gets it, not each dispatcher (who only had the welcome when joining).
    assert [t for t in dispatcher.texts() if "SR-" in t] == []
    group.send_text(dispatcher, "/reply SR-20261123-0001 A technician comes today")
    await harness.settle()
    assert "A technician comes today" in customer.texts()[-1]
