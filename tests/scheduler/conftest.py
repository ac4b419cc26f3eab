"""A harness with settings overrides, for tests of the sender's limits and timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from tests.harness import BOT_ID, TOKEN, Harness

MakeHarness = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness(engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[MakeHarness]:
    """Starts a bot with settings overrides, on its own Bot API server if given one."""
    started: list[tuple[Harness, BotApiServer]] = []

    async def make(server: BotApiServer | None = None, **overrides: Any) -> Harness:
        if server is None:
            server = BotApiServer(token=TOKEN, bot_id=BOT_ID, now=lambda: clock.now().timestamp())
        await server.start()
        harness = Harness(server, engine, clock, **overrides)
        started.append((harness, server))
        await harness.start()
        return harness

    yield make
    for harness, server in started:
        await harness.stop()
        await server.stop()
