"""Fixtures of the API tests: keys made by the CLI's code, the app served over HTTP, a receiver."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands.api_keys import create_key
from core.clock import ManualClock
from domain.webhooks import verify
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


@dataclass
class Receiver:
    """An integration's endpoint: checks every signature, answers from a script of statuses."""

    clock: ManualClock
    secret: str = ""
    answers: list[int] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        """Verifies the request as docs/webhooks.md tells receivers to, then answers."""
        body = await request.read()
        headers = request.headers
        valid = verify(
            self.secret, headers["X-Aftersales-Timestamp"], body,
            headers["X-Aftersales-Signature"], self.clock.now().timestamp(),
        )  # fmt: skip
        status = self.answers.pop(0) if self.answers else 200
        self.seen.append(
            {"headers": dict(headers), "body": body, "valid": valid, "status": status}
        )
        self.arrived.set()
        return web.Response(status=status if valid else 401)

    async def wait_for(self, count: int) -> None:
        """Waits (on real I/O, not a deadline) until `count` requests have arrived."""
        async with asyncio.timeout(10):
            while len(self.seen) < count:
                self.arrived.clear()
                await self.arrived.wait()

    def events(self) -> list[tuple[str, int]]:
        """(event type, answered status) in arrival order."""
        return [(json.loads(r["body"])["type"], r["status"]) for r in self.seen]


@pytest.fixture
async def receiver(clock: ManualClock) -> AsyncIterator[tuple[Receiver, str]]:
    """The receiver served on loopback, with its URL."""
    found = Receiver(clock)
    app = web.Application()
    app.router.add_post("/hooks", found.handle)
    async with TestServer(app) as server:
        yield found, str(server.make_url("/hooks"))
