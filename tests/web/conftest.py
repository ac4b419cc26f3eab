"""Fixtures for the web app: the running bot's app behind aiohttp's test client, staff logins."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from storage.models import Staff
from tests.factories import make_staff
from tests.harness import Harness

Client = TestClient[web.Request, web.Application]
LINK = re.compile(r"https?://\S+(/login/[A-Za-z0-9_-]+)")


@pytest.fixture
async def client(harness: Harness) -> AsyncIterator[Client]:
    """The web app of the running bot, served on an ephemeral port."""
    assert harness.runtime is not None
    async with TestClient(TestServer(harness.runtime.build_web_app())) as test_client:
        yield test_client


async def add_staff(
    harness: Harness, telegram_id: int, roles: list[str], name: str = "Zhang San", **kw: object
) -> Staff:
    """A staff member stored directly."""
    async with harness.session() as session, session.begin():
        return await make_staff(
            session,
            telegram_id=telegram_id,
            roles=roles,
            now=harness.clock.now(),
            name=name,
            **kw,  # type: ignore[arg-type]
        )


async def login_path(harness: Harness, telegram_id: int) -> str:
    """Asks the bot for a login link as this user and returns its path."""
    user = harness.user(telegram_id)
    user.send_text("/dashboard")
    await harness.settle()
    found = LINK.search(user.texts()[-1])
    assert found is not None, user.texts()[-1]
    return found.group(1)


async def log_in(harness: Harness, client: Client, telegram_id: int) -> str:
    """Logs the test client in as a staff member; returns the CSRF token of the session."""
    path = await login_path(harness, telegram_id)
    page = await client.get(path)
    assert page.status == 200
    response = await client.post(path, allow_redirects=False)
    assert response.status == 302, await response.text()
    board = await client.get("/")
    html = await board.text()
    assert board.status == 200
    token = re.search(r'name="csrf" value="([^"]+)"', html)
    assert token is not None
    return token.group(1)
