"""Memory: the bot's resident size with a large history and many dialogs half-way through.

The measured process holds the bot and also the sandbox Bot API server and the simulated
users (everything runs in one process); the baseline before the bot starts is reported
so the bot's own share can be read off.
"""

from __future__ import annotations

import gc
from typing import Any

from sqlalchemy import func, select

from bench.common import TOKEN, CountingServer, current_rss_mb, database, peak_rss_mb
from bench.history import load_history
from bench.throughput import (
    FIRST_USER,
    STEPS,
    act_on_bot,
    bot_runtime,
    calibrate,
    drive,
    seed_customers,
)
from bot.pump import MAX_CONCURRENT_CHATS
from core.clock import ManualClock
from sandbox.users import SandboxUser
from storage.models import Case, Customer, PersistedState

# The first three steps of a report: the dialog is left waiting for "Continue".
HALF_WAY = STEPS[:3]


async def run(backend: str, cases: int, dialogs: int) -> dict[str, Any]:
    """Loads `cases` cases, starts `dialogs` reports half-way, and measures RSS."""
    clock = ManualClock()
    server = CountingServer(token=TOKEN, now=lambda: clock.now().timestamp())
    await server.start()
    try:
        async with database(backend) as db:
            runtime = bot_runtime(server.base_url, db.engine, clock, MAX_CONCURRENT_CHATS)
            await seed_customers(runtime.sessions, dialogs + 1, clock)
            async with runtime.sessions() as session:
                owner = await session.scalar(select(func.min(Customer.id)))
            async with db.engine.begin() as conn:
                await load_history(conn, 0, cases, int(owner or 1))
            gc.collect()
            baseline = current_rss_mb()
            await runtime.start()
            try:
                probe = SandboxUser(server, FIRST_USER + dialogs, "Probe")
                expected = await calibrate(server, probe, act_on_bot, HALF_WAY)
                users = [SandboxUser(server, FIRST_USER + i, "Li") for i in range(dialogs)]
                outcome = await drive(server, users, expected, act_on_bot, HALF_WAY)
                gc.collect()
                with_dialogs = current_rss_mb()
                async with runtime.sessions() as session:
                    stored_cases = await session.scalar(select(func.count()).select_from(Case))
                    persisted = await session.scalar(
                        select(func.count()).select_from(PersistedState)
                    )
            finally:
                await runtime.stop()
    finally:
        await server.stop()
    return {
        "backend": backend,
        "cases": stored_cases,
        "dialogs_in_progress": dialogs,
        "dialog_steps_failed": outcome.errors,
        "persisted_state_rows": persisted,
        "rss_before_bot_mb": round(baseline, 1),
        "rss_with_dialogs_mb": round(with_dialogs, 1),
        "rss_bot_share_mb": round(with_dialogs - baseline, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
