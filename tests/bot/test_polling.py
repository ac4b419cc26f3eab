"""Idle polling stays idle against a Bot API server that does not hold long polls."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web

from bot.polling import poll_forever
from bot.replies import ReplyBot
from core.transport import AiohttpRequest


async def test_empty_answers_at_once_are_not_polled_in_a_tight_loop() -> None:
    calls = 0

    async def get_updates(_request: web.Request) -> web.Response:
        """Answers every getUpdates empty at once, as a server without long polling does."""
        nonlocal calls
        calls += 1
        return web.json_response({"ok": True, "result": []})

    async def get_me(_request: web.Request) -> web.Response:
        """Introduces the bot."""
        me = {"id": 1, "is_bot": True, "first_name": "Idle", "username": "idle_bot"}
        return web.json_response({"ok": True, "result": me})

    methods = {"getupdates": get_updates, "getme": get_me}

    async def method(request: web.Request) -> web.Response:
        """Telegram matches method names whatever their case; so does this server."""
        return await methods[request.match_info["method"].lower()](request)

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    bot = ReplyBot(
        "1:idle",
        base_url=f"http://127.0.0.1:{port}/bot",
        request=AiohttpRequest(connection_pool_size=1),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    pump: Any = object()  # never reached: no update ever arrives
    await bot.initialize()
    try:
        poller = asyncio.create_task(poll_forever(bot, pump, poll_seconds=25))
        await asyncio.sleep(1.0)
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    finally:
        await bot.shutdown()
        await runner.cleanup()
    # A tight loop made hundreds of calls in this second; backing off makes a handful.
    assert 1 <= calls <= 5
