"""The running product: database, Telegram application, inbox pump, poller, scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.clock import Clock, SystemClock
from aftersales.settings import Settings
from bot.app import BotApplication, build_application, policy_from
from bot.polling import poll_forever
from bot.pump import UpdatePump
from scheduler.outbox_sender import OutboxSender
from scheduler.sweep import Sweeper
from storage import migrate
from storage.db import create_engine, create_session_factory, describe
from storage.repos import inbox

logger = logging.getLogger(__name__)


class Runtime:
    """Starts and stops every moving part of one bot process."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        engine: AsyncEngine | None = None,
        poll_timeout: int = 25,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = engine or create_engine(settings.database_url)
        self._own_engine = engine is None
        self.sessions = create_session_factory(self.engine)
        self.poll_timeout = poll_timeout
        self.application: BotApplication = build_application(settings, self.sessions, self.clock)
        self.pump = UpdatePump(self.application, self.sessions, self.clock)
        services = self.application.bot_data.services
        self.sweeper = Sweeper(self.sessions, self.clock, settings, policy_from(settings))
        self.sender = OutboxSender(
            self.application.bot, self.sessions, self.clock, services.texts, settings
        )
        self.pump.after_update = self.sender.wake
        self._tasks: list[asyncio.Task[None]] = []

    async def migrate(self) -> None:
        """Applies pending migrations."""
        logger.info("database: %s", describe(self.settings.database_url))
        await migrate.upgrade(self.engine)

    async def start(self, *, polling: bool = True) -> None:
        """Brings the bot up: Telegram session, replay of stored updates, polling."""
        await self.application.initialize()
        await self.application.start()
        self._spawn(self.pump.run(), "pump")
        self._spawn(self.sender.run(), "outbox")
        job_queue = self.application.job_queue
        assert job_queue is not None
        job_queue.run_repeating(
            self._tick,
            interval=self.settings.sweep_interval_seconds,
            first=1,
            name="sweep",
            # A busy loop must delay a sweep, never skip it; missed runs collapse into one.
            job_kwargs={"misfire_grace_time": 300, "coalesce": True, "max_instances": 1},
        )
        if polling:
            await self.application.bot.delete_webhook()
            async with self.sessions() as session:
                last = await inbox.max_update_id(session)
            start_offset = last + 1 if last is not None else 0
            self._spawn(
                poll_forever(
                    self.application.bot,
                    self.pump,
                    start_offset=start_offset,
                    poll_seconds=self.poll_timeout,
                ),
                "poller",
            )

    async def _tick(self, _context: object) -> None:
        """One scheduler tick: fire due reminders, then let the sender deliver."""
        await self.sweeper.sweep()
        self.sender.wake()

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        """Runs a long-lived part in the background, logging if it dies."""
        task = asyncio.create_task(coroutine, name=name)
        task.add_done_callback(_log_death)
        self._tasks.append(task)

    async def stop(self) -> None:
        """Stops polling and processing, then closes Telegram and database connections."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self._own_engine:
            await self.engine.dispose()


def _log_death(task: asyncio.Task[None]) -> None:
    """Logs a background part that ended with an error."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s stopped", task.get_name(), exc_info=task.exception())
