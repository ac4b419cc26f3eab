"""Money is shown in the department's currency (AFTERSALES_CURRENCY) in chat (issue #22)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from tests.bot.customer_steps import press
from tests.bot.dispatch_steps import (
    ADMIN,
    assign_to,
    customer_with_case,
    past,
    send_quote,
    staff_team,
)
from tests.harness import Harness


@pytest.fixture
async def harness(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Harness]:
    """The bot of a department that bills in US dollars."""
    running = Harness(botapi, engine, clock, admin_ids=[ADMIN], currency="USD")
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def test_quote_is_shown_in_the_configured_currency(harness: Harness) -> None:
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await send_quote(harness, tech)
    assert any("Relay × 2 @ $35.50" in t for t in tech.texts())  # the technician's part list
    quote = customer.texts()[-1]
    assert "Relay × 2 @ $35.50" in quote and "Total: $191.00" in quote
    assert "¥" not in quote
