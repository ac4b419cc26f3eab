"""Fixtures of the API tests: keys made by the CLI's code, the app served over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands.api_keys import create_key
from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from tests.harness import Harness
from tests.web.conftest import Client

ALL_SCOPES = (
    "cases:read,cases:write,customers:read,customers:write,products:read,products:write,"
    "technicians:read,feedback:read,reports:read"
)


async def new_key(harness: Harness, name: str = "erp", scopes: str = ALL_SCOPES) -> str:
    """A key made as `aftersales api-key create` makes it."""
    return await create_key(harness.sessions, name=name, scopes=scopes, now=harness.clock.now())


def bearer(key: str) -> dict[str, str]:
    """The header carrying a key."""
    return {"Authorization": f"Bearer {key}"}


async def call(
    client: Client, method: str, path: str, key: str, json: Any = None, **kw: Any
) -> tuple[int, Any]:
    """One API call; its status and JSON body."""
    response = await client.request(method, path, json=json, headers=bearer(key), **kw)
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


@asynccontextmanager
async def served(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock, **overrides: Any
) -> AsyncIterator[tuple[Harness, Client]]:
    """The running bot with these settings and its web app on loopback."""
    running = Harness(botapi, engine, clock, **overrides)
    await running.start()
    try:
        assert running.runtime is not None
        async with TestClient(TestServer(running.runtime.build_web_app())) as test_client:
            yield running, test_client
    finally:
        await running.stop()
