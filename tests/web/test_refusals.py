"""The web server refuses what it should: posts from other sites, bodies that never arrive."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator

import pytest

from core.settings import Settings
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, login_path
from web.access import COOKIE as COOKIE_NAME
from web.app import create_app, serve
from web.deps import WebDeps

STAFF = 8901


async def test_posts_from_another_site_are_refused_login_included(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, STAFF, ["dispatcher"])
    path = await login_path(harness, STAFF)
    ours = str(client.make_url("/")).rstrip("/")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # a sandboxed frame or a page that sends no referrer
        {"Referer": "https://evil.example/login-csrf.html"},
        {"Origin": ours.replace("127.0.0.1", "127.0.0.1.evil.example")},
    ):
        refused = await client.post(path, headers=headers, allow_redirects=False)
        assert refused.status == 403, headers
        assert COOKIE_NAME not in refused.cookies
        assert "This form has expired" in await refused.text()
    # The link was not used up by the refused posts: the same-origin form signs in (a browser
    # sends Origin; the oldest send only Referer).
    signed_in = await client.post(
        path, headers={"Referer": f"{ours}{path}"}, allow_redirects=False
    )
    assert signed_in.status == 302 and COOKIE_NAME in signed_in.cookies
    board = await (await client.get("/")).text()
    found = re.search(r'name="csrf" value="([^"]+)"', board)
    assert found is not None
    # Every other POST too, even with the session's CSRF token.
    form = {"csrf": found.group(1)}
    evil = {"Origin": "https://evil.example"}
    assert (await client.post("/logout", data=form, headers=evil)).status == 403
    assert (await client.get("/", allow_redirects=False)).status == 200  # still signed in
    out = await client.post("/logout", data=form, headers={"Origin": ours}, allow_redirects=False)
    assert out.status == 302 and out.headers["Location"] == "/login"


SECRET = "s3cret-Token_42"


@pytest.fixture
async def served(harness: Harness) -> AsyncIterator[tuple[str, int]]:
    """The webhook receiver behind the production server set-up, with a 0.5 s read timeout."""
    assert harness.runtime is not None
    values = harness.settings().model_dump()
    values.update(
        http_read_timeout_seconds=0.5,
        webhook_url="https://bot.example/telegram/webhook",
        webhook_secret=SECRET,
    )
    settings = Settings(_env_file=None, **values)
    deps = WebDeps(
        settings=settings,
        sessions=harness.sessions,
        clock=harness.clock,
        inbox=harness.runtime.pump,
    )
    runner = await serve(create_app(deps), host="127.0.0.1", port=0)
    host, port = runner.addresses[0][:2]
    yield host, port
    await runner.cleanup()


def head(length: int) -> bytes:
    """A webhook request's head announcing a body of `length` bytes."""
    return (
        "POST /telegram/webhook HTTP/1.1\r\nHost: localhost\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def test_a_body_that_never_arrives_is_cut_off(
    served: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    reader, stalled = await asyncio.open_connection(*served)
    stalled.write(head(100) + b'{"update_id": ')  # 14 of the 100 bytes announced, then nothing
    await stalled.drain()
    # The server closes the connection; a stalled client gets nothing but the close.
    rest = await asyncio.wait_for(reader.read(), timeout=5)
    waited = time.monotonic() - started
    stalled.close()
    assert 0.4 <= waited < 2.0, waited
    assert not rest.startswith(b"HTTP/1.1 2")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("within 0.5 s" in r.getMessage() for r in caplog.records)


async def test_a_client_hanging_up_mid_body_is_no_error(
    served: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _, writer = await asyncio.open_connection(*served)
    writer.write(head(100) + b'{"update_id": ')
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    for _ in range(50):  # the server notices the hang-up at once; no deadline is waited for
        if any(
            "went away" in r.getMessage() or r.levelno >= logging.ERROR for r in caplog.records
        ):
            break
        await asyncio.sleep(0.02)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_a_whole_body_is_still_served(served: tuple[str, int]) -> None:
    reader, writer = await asyncio.open_connection(*served)
    body = b'{"update_id": 1}'
    writer.write(head(len(body)) + body)
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    assert status.startswith(b"HTTP/1.1 200"), status  # read in full and stored
