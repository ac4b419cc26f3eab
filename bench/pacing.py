"""Outbound pacing: a burst of outbox rows against a sandbox that enforces Telegram's limits.

The sandbox answers 429 above 30 messages/s overall, 1/s per private chat and 20/min per
group. The sender is driven only through its public `drain()`, on the wall clock.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import Bot

from bench.common import TOKEN, CountingServer, database, peak_rss_mb
from core.clock import SystemClock
from core.i18n import Texts
from core.messages import Message
from core.settings import Settings
from core.transport import AiohttpRequest
from sandbox.users import SandboxGroup, SandboxUser
from scheduler.outbox_sender import OutboxSender
from storage.db import create_session_factory
from storage.repos import outbox

FIRST_USER = 800_000
GROUP_CHAT = -1_001_000_000_001
CAP_PER_SECOND = 30.0


async def run(
    customers: int, group_messages: int, *, limit_seconds: float = 400.0
) -> dict[str, Any]:
    """Queues `customers` survey pushes and `group_messages` group notices, then drains them."""
    clock = SystemClock()
    server = CountingServer(token=TOKEN, enforce_limits=True)
    await server.start()
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_base_url=server.base_url,
        timezone="Asia/Shanghai",
        default_language="en",
    )
    bot = Bot(
        TOKEN,
        base_url=f"{server.base_url}/bot",
        request=AiohttpRequest(connection_pool_size=8),
    )
    try:
        async with database("sqlite") as db, bot:
            sessions = create_session_factory(db.engine)
            for i in range(customers):
                SandboxUser(server, FIRST_USER + i, "Li")
            SandboxGroup(server, GROUP_CHAT, "Service desk")
            now = clock.now()
            survey = Message("common.cancelled")
            async with sessions() as session, session.begin():
                for i in range(customers):
                    await outbox.enqueue(
                        session,
                        chat_id=FIRST_USER + i,
                        message=survey,
                        language="en",
                        dedupe_key=f"bench:survey:{i}",
                        now=now,
                    )
                for i in range(group_messages):
                    await outbox.enqueue(
                        session,
                        chat_id=GROUP_CHAT,
                        message=survey,
                        language="en",
                        dedupe_key=f"bench:group:{i}",
                        now=now,
                    )
            sender = OutboxSender(
                bot, sessions, clock, Texts(settings.tz, settings.currency), settings
            )
            total = customers + group_messages
            started = time.perf_counter()
            passes = 0
            while len(server.sent_log) < total and time.perf_counter() - started < limit_seconds:
                await sender.drain()
                passes += 1
                if len(server.sent_log) < total:
                    await asyncio.sleep(0.2)
            seconds = time.perf_counter() - started
    finally:
        await server.stop()
    private = [t for t, chat in server.sent_log if chat > 0]
    group = [t for t, chat in server.sent_log if chat < 0]
    span = (private[-1] - started) if private else 0.0
    rate = len(private) / span if span > 0 else 0.0
    return {
        "customers": customers,
        "group_messages": group_messages,
        "delivered_private": len(private),
        "delivered_group": len(group),
        "seconds_total": round(seconds, 2),
        "seconds_private": round(span, 2),
        "seconds_group": round(group[-1] - started, 2) if group else 0.0,
        "private_messages_per_second": round(rate, 2),
        "share_of_cap": round(rate / CAP_PER_SECOND, 3),
        "http_429": server.rate_limited_count,
        "drain_passes": passes,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
