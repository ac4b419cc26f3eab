"""Drives the real bot through the local Bot API server, as users and as time passes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from aftersales.runtime import Runtime
from core.clock import ManualClock
from core.settings import Settings
from sandbox.botapi import BotApiServer
from sandbox.users import SandboxUser
from storage.db import create_session_factory

# This test process's bot. On PostgreSQL the leadership lock is named after the bot's id
# (aftersales.leader.lock_name) and the server is shared: with one id for all, a test's bot
# stood by until the other xdist worker's bot (or another checkout's run) let go of the lock.
BOT_ID = 1_000_000 + os.getpid()
TOKEN = f"{BOT_ID}:TEST"
# Pacing is tested on its own (tests/scheduler/test_outbox_sender.py sets Telegram's limits
# back); elsewhere it would only add real seconds (the local server enforces no limits).
UNPACED: dict[str, Any] = {
    "outbox_chat_interval_seconds": 0.0,
    "outbox_global_per_second": 1_000_000.0,
    "outbox_group_per_minute": 1_000_000,
}


class Harness:
    """One running bot plus the handles a test needs: users, clock, database."""

    def __init__(
        self, server: BotApiServer, engine: AsyncEngine, clock: ManualClock, **overrides: Any
    ) -> None:
        self.server = server
        self.engine = engine
        self.clock = clock
        self.overrides = overrides
        self.sessions = create_session_factory(engine)
        self.runtime: Runtime | None = None
        self._pushed: list[int] = []
        self._payloads: dict[int, dict[str, Any]] = {}

    def settings(self) -> Settings:
        """Settings pointing the bot at the local server."""
        values: dict[str, Any] = {
            "bot_token": self.server.token,
            "telegram_base_url": self.server.base_url,
            "database_url": "sqlite+aiosqlite:///unused.db",
            "timezone": "Asia/Shanghai",
            "default_language": "en",
            "sweep_interval_seconds": 3600,
            **UNPACED,
        }
        values.update(self.overrides)
        return Settings(_env_file=None, **values)

    async def start(self) -> None:
        """Starts the bot process (polling with a short timeout)."""
        self.runtime = Runtime(
            self.settings(), clock=self.clock, engine=self.engine, poll_timeout=1
        )
        await self.runtime.start()

    async def stop(self) -> None:
        """Stops the bot process."""
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def restart(self) -> None:
        """Stops and starts the bot, as after a crash or deploy; state comes from the database."""
        await self.stop()
        await self.start()

    def user(self, user_id: int, first_name: str = "Li", language_code: str = "en") -> SandboxUser:
        """A Telegram user of the local server."""
        user = SandboxUser(self.server, user_id, first_name, language_code=language_code)
        original = user._push
        harness = self

        def push(update: dict[str, Any]) -> int:
            update_id = original(update)
            harness._pushed.append(update_id)
            harness._payloads[update_id] = {**update, "update_id": update_id}
            return update_id

        user._push = push  # type: ignore[method-assign]
        return user

    def last_update_payload(self) -> dict[str, Any]:
        """The newest update a test user sent, as Telegram delivered it."""
        return self._payloads[max(self._payloads)]

    async def settle(self) -> None:
        """Waits until the bot fetched, stored and processed everything users sent."""
        assert self.runtime is not None
        for update_id in self._pushed:
            await self.server.wait_acknowledged(update_id)
        self._pushed.clear()
        await self.runtime.pump.wait_idle()
        await self.runtime.sender.drain()

    async def tick(self) -> int:
        """One scheduler tick at the current (injected) time, then delivery; returns fired."""
        assert self.runtime is not None
        fired = await self.runtime.sweeper.sweep()
        await self.runtime.sender.drain()
        return fired

    def advance(self, delta: timedelta) -> None:
        """Moves time forward."""
        self.clock.advance(delta)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for assertions on what is stored."""
        async with self.sessions() as session:
            yield session
