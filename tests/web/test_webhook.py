"""The Telegram webhook: secret, size and JSON checks, inbox before 200, redelivery, end to end."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.runtime import Runtime
from core.clock import ManualClock
from core.settings import Settings
from sandbox.botapi import BotApiServer
from storage.models import InboxUpdate
from tests.harness import Harness
from tests.web.conftest import Client
from web.app import create_app
from web.deps import WebDeps

SECRET = "s3cret-Token_42"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
async def hook(harness: Harness) -> AsyncIterator[Client]:
    """A webhook receiver writing into the running bot's inbox."""
    assert harness.runtime is not None
    values = harness.settings().model_dump()
    values.update(webhook_url="https://bot.example/telegram/webhook", webhook_secret=SECRET)
    settings = Settings(_env_file=None, **values)
    app = create_app(
        WebDeps(
            settings=settings,
            sessions=harness.sessions,
            clock=harness.clock,
            inbox=harness.runtime.pump,
        )
    )
    async with TestClient(TestServer(app)) as client:
        yield client


def update(update_id: int, text: str = "/help", user_id: int = 7001) -> dict[str, object]:
    """A Telegram update carrying a private text message."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1795000000,
            "chat": {"id": user_id, "type": "private", "first_name": "Li"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Li", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def stored(harness: Harness) -> int:
    """How many updates the inbox holds."""
    async with harness.session() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0)


async def test_wrong_or_missing_secret_is_refused(harness: Harness, hook: Client) -> None:
    missing = await hook.post("/telegram/webhook", json=update(900001))
    wrong = await hook.post(
        "/telegram/webhook",
        json=update(900002),
        headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
    )
    assert (missing.status, wrong.status) == (403, 403)
    assert await stored(harness) == 0


async def test_malformed_json_and_non_updates_get_400(harness: Harness, hook: Client) -> None:
    broken = await hook.post("/telegram/webhook", data=b"{not json", headers=HEADERS)
    not_update = await hook.post("/telegram/webhook", json=[1, 2], headers=HEADERS)
    no_id = await hook.post("/telegram/webhook", json={"message": {}}, headers=HEADERS)
    assert (broken.status, not_update.status, no_id.status) == (400, 400, 400)
    assert await stored(harness) == 0


async def test_update_ids_no_inbox_row_can_hold_get_400(harness: Harness, hook: Client) -> None:
    for update_id in (2**70, 2**63, 0, -5):
        answer = await hook.post("/telegram/webhook", json=update(update_id), headers=HEADERS)
        assert answer.status == 400, update_id
    largest = await hook.post("/telegram/webhook", json=update(2**63 - 1), headers=HEADERS)
    assert largest.status == 200
    assert await stored(harness) == 1


async def test_body_over_one_mebibyte_gets_413(harness: Harness, hook: Client) -> None:
    big = json.dumps(update(900003, text="/help " + "x" * (1024 * 1024))).encode()
    response = await hook.post(
        "/telegram/webhook",
        data=io.BytesIO(big),
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert response.status == 413
    assert await stored(harness) == 0


async def test_update_is_stored_before_200_and_redelivery_is_ignored(
    harness: Harness, hook: Client
) -> None:
    first = await hook.post("/telegram/webhook", json=update(900004), headers=HEADERS)
    assert first.status == 200
    assert await stored(harness) == 1  # in the inbox by the time Telegram hears 200
    await harness.runtime.pump.wait_idle()  # type: ignore[union-attr]
    await harness.runtime.sender.drain()  # type: ignore[union-attr]
    again = await hook.post("/telegram/webhook", json=update(900004), headers=HEADERS)
    assert again.status == 200
    await harness.runtime.pump.wait_idle()  # type: ignore[union-attr]
    assert await stored(harness) == 1
    answers = harness.server.messages(7001)
    assert len(answers) == 1  # the bot answered /help once, not twice


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_end_to_end(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> None:
    port = free_port()
    running = Harness(
        botapi,
        engine,
        clock,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret=SECRET,
        http_port=port,
    )
    running.runtime = Runtime(running.settings(), clock=clock, engine=engine, serve_http=True)
    await running.runtime.start()
    try:
        assert botapi.calls_to("setWebhook"), "the webhook was not registered"
        registered = botapi.calls_to("setWebhook")[-1].params
        assert registered["secret_token"] == SECRET
        assert "message" in str(registered["allowed_updates"])
        assert not botapi.calls_to("getUpdates")
        user = running.user(7002)
        user.send_text("/help")
        await running.settle()
        assert user.texts(), "the bot did not answer a webhook update"
        async with running.session() as session:
            count = await session.scalar(select(func.count()).select_from(InboxUpdate))
        assert count == 1
    finally:
        await running.stop()


async def test_no_webhook_route_in_polling_mode(client: Client) -> None:
    response = await client.post("/telegram/webhook", json=update(900005), headers=HEADERS)
    assert response.status == 404
