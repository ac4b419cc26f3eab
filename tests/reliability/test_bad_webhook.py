"""Malformed webhook bodies (the corpus's `webhook` entries) against the running bot.

Each is refused with a 4xx, or, when it is a JSON object with an integer update_id, stored
and then processed without an unhandled error. Either way the bot keeps working.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from core.settings import Settings
from storage.models import InboxUpdate
from tests.harness import Harness
from web.app import create_app
from web.deps import WebDeps

CORPUS = json.loads((Path(__file__).with_name("corpus.json")).read_text(encoding="utf-8"))
BODIES = [e for e in CORPUS["entries"] if e["kind"] == "webhook"]
SECRET = "corpus-Secret_1"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def hook(harness: Harness) -> AsyncIterator[TestClient[Any, Any]]:
    """A webhook receiver writing into the running bot's inbox."""
    assert harness.runtime is not None
    values = harness.settings().model_dump()
    values.update(webhook_url="https://bot.example/telegram/webhook", webhook_secret=SECRET)
    app = create_app(
        WebDeps(
            settings=Settings(_env_file=None, **values),
            sessions=harness.sessions,
            clock=harness.clock,
            inbox=harness.runtime.pump,
        )
    )
    async with TestClient(TestServer(app)) as client:
        yield client


def _valid(update_id: int) -> str:
    """A well-formed private text update."""
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": 1795000000,
                "chat": {"id": 7301, "type": "private", "first_name": "Li"},
                "from": {"id": 7301, "is_bot": False, "first_name": "Li", "language_code": "en"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    )


def _request(entry: dict[str, Any], number: int) -> tuple[bytes, dict[str, str]]:
    """The body and headers an entry stands for."""
    headers = {HEADER: SECRET, "Content-Type": "application/json"}
    value = entry["value"]
    if value == "HUGE":
        return b'{"update_id": 1, "x": "' + b"a" * (8 * 1024 * 1024) + b'"}', headers
    if value == "WRONG_SECRET":
        return _valid(890_000 + number).encode(), {**headers, HEADER: "wrong"}
    if value == "NO_SECRET":
        return _valid(890_100 + number).encode(), {"Content-Type": "application/json"}
    if entry["id"] == "hook-utf8-invalid":
        return b"\xff\xfe", headers
    return value.encode(), headers


async def test_malformed_webhook_bodies_are_refused_or_harmless(
    harness: Harness, hook: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    statuses: dict[str, int] = {}
    for number, entry in enumerate(BODIES):
        body, headers = _request(entry, number)
        response = await hook.post("/telegram/webhook", data=io.BytesIO(body), headers=headers)
        statuses[entry["id"]] = response.status
    assert harness.runtime is not None
    await harness.runtime.pump.wait_idle()

    accepted = {name for name, status in statuses.items() if status == 200}
    assert all(200 <= s < 500 for s in statuses.values()), statuses
    assert statuses["hook-wrong-secret"] == 403 and statuses["hook-no-secret"] == 403
    assert statuses["hook-huge"] == 413
    for name in ("hook-empty", "hook-not-json", "hook-truncated", "hook-array", "hook-null"):
        assert statuses[name] == 400, (name, statuses[name])
    assert accepted <= {
        "hook-only-update-id",
        "hook-message-null",
        "hook-message-string",
        "hook-message-no-chat",
        "hook-message-bad-chat",
        "hook-callback-no-from",
        "hook-unknown-kind",
    }, accepted
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    async with harness.session() as session:
        rows = list(await session.scalars(select(InboxUpdate)))
    assert all(row.processed_at is not None for row in rows), [r.update_id for r in rows]
    # The bot still answers a real customer afterwards.
    user = harness.user(7302)
    user.send_text("/help")
    await harness.settle()
    assert user.texts()
