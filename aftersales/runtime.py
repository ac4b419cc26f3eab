"""The running product: database, Telegram application, inbox pump, poller, scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update

from aftersales.leader import Fence, Leadership, lock_name, migration_guard
from bot.app import BotApplication, build_application
from bot.menu import publish_menu
from bot.polling import poll_forever
from bot.pump import UpdatePump
from core.clock import Clock, SystemClock
from core.settings import Settings
from scheduler.outbox_sender import OutboxSender
from scheduler.sweep import Sweeper
from scheduler.webhook_sender import WebhookSender
from services import staff as staff_changes
from services.policy import policy_from
from storage import migrate
from storage.db import create_engine, create_session_factory, describe
from storage.repos import inbox
from web.app import create_app, serve
from web.deps import WebDeps
from web.metrics import Metrics

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
        serve_http: bool = False,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = engine or create_engine(
            settings.database_url, schema=settings.database_schema
        )
        self._own_engine = engine is None
        self.sessions = create_session_factory(self.engine)
        token = settings.bot_token.get_secret_value() if settings.bot_token else None
        self.leadership = Leadership(self.engine, name=lock_name(token))
        # The active work commits only while the lock is proven held (aftersales.leader).
        self.fence = Fence(self.leadership)
        work = self.fence.sessions(self.engine)
        self.poll_timeout = poll_timeout
        self.application: BotApplication = build_application(settings, work, self.clock)
        self.pump = UpdatePump(self.application, self.sessions, self.clock, work_sessions=work)
        services = self.application.bot_data.services
        self.sweeper = Sweeper(work, self.clock, settings, policy_from(settings))
        self.sender = OutboxSender(
            self.application.bot, work, self.clock, services.texts, settings
        )
        self.webhooks = WebhookSender(self.sessions, self.clock, settings)
        self.pump.after_update = self._changed
        # The web app (webhook, health, metrics, dashboard); tests use it without a port.
        self.serve_http = serve_http
        self.metrics = Metrics()
        self.pump.observe_latency = self.metrics.handler_latency.observe
        counts = self.metrics.counts
        counts.received = lambda: self.pump.received
        counts.processed = lambda: self.pump.processed
        counts.failed = lambda: self.pump.failed
        counts.fired = lambda: self.sweeper.fired
        self._web_runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._active = False
        # Set when this instance lost its lock and stopped its active parts (fencing).
        self.fenced = asyncio.Event()

    async def migrate(self) -> None:
        """Applies pending migrations."""
        logger.info("database: %s", describe(self.settings.database_url))
        async with migration_guard(self.engine):
            await migrate.upgrade(self.engine)

    @property
    def role(self) -> str:
        """The instance's part: active (polls, processes, sweeps, sends) or standby (waits)."""
        return "active" if self._active else "standby"

    def build_web_app(self) -> web.Application:
        """The web app wired to this process's database, inbox, scheduler and metrics."""
        return create_app(
            WebDeps(
                settings=self.settings,
                sessions=self.sessions,
                clock=self.clock,
                inbox=self.pump,
                policy=policy_from(self.settings),
                last_tick=lambda: self.sweeper.last_tick,
                active=lambda: self._active,
                after_change=self._changed,
                metrics=self.metrics,
            )
        )

    async def _serve_http(self) -> None:
        """Serves the web app on the configured host and port."""
        self._web_runner = await serve(
            self.build_web_app(), host=self.settings.http_host, port=self.settings.http_port
        )
        logger.info("web on http://%s:%s", self.settings.http_host, self.settings.http_port)

    async def _set_webhook(self) -> None:
        """Registers the webhook with its secret; Telegram then POSTs updates to us."""
        secret = self.settings.webhook_secret
        if secret is None:
            raise ValueError("AFTERSALES_WEBHOOK_SECRET must be set with AFTERSALES_WEBHOOK_URL")
        await self.application.bot.set_webhook(
            url=str(self.settings.webhook_url),
            secret_token=secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info("webhook registered")

    async def start(self, *, polling: bool = True) -> None:
        """Brings the bot up; the active parts wait for leadership (at once on SQLite)."""
        if self.serve_http:
            await self._serve_http()
        if await self.leadership.try_acquire():
            await self._activate(polling)
            leading = True
        else:
            leading = False
        if self.leadership.exclusive:
            self._spawn(self._lead(polling, leading=leading), "leadership")

    async def _lead(self, polling: bool, *, leading: bool) -> None:
        """Waits for the lock, works while it is held, stops all active work when it is lost."""
        if not leading:
            await self.leadership.acquire()
            await self._activate(polling)
        await self.leadership.watch()
        # Fencing: without the lock another instance may already be active.
        await self._deactivate()
        self.fenced.set()

    async def _deactivate(self) -> None:
        """Stops polling, processing, sweeping and sending, the updates in progress too.

        Nothing of theirs commits any more (the fence) and nothing more is sent: what they
        did is rolled back, and the new leader processes them and sends every unsent answer.
        Only then is the Application stopped, so no update meets it stopped.
        """
        self._active = False
        current = asyncio.current_task()
        for task in self._tasks:
            if task.get_name() in ACTIVE_PARTS and task is not current:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.pump.halt()
        if self.application.running:
            await self.application.stop()

    async def _activate(self, polling: bool) -> None:
        """The active parts: Telegram session, replay of stored updates, polling, scheduler."""
        # Persisted dialogs load here, after the previous leader's last commit.
        await self.application.initialize()
        await self.application.start()
        async with self.sessions() as session, session.begin():
            await staff_changes.follow_admin_settings(
                session,
                admin_ids=self.settings.admin_ids,
                now=self.clock.now(),
                policy=policy_from(self.settings),
            )
        await publish_menu(self.application.bot)
        self.pump.leading = lambda: self.fence.holds
        self._spawn(self.pump.run(), "pump")
        self.pump.answers.after_notice = self.sender.wake
        self._spawn(self.pump.answers.run(), "answers")
        self._spawn(self.sender.run(), "outbox")
        self._spawn(self.webhooks.run(), "webhooks")
        job_queue = self.application.job_queue
        assert job_queue is not None
        job_queue.run_repeating(
            self._tick,
            interval=self.settings.sweep_interval_seconds,
            # The first sweep one interval after start, not at once: tests set a long interval
            # and drive every sweep themselves (harness.tick) on the injected clock.
            first=self.settings.sweep_interval_seconds,
            name="sweep",
            # A busy loop must delay a sweep, never skip it; missed runs collapse into one.
            job_kwargs={"misfire_grace_time": 300, "coalesce": True, "max_instances": 1},
        )
        if self.settings.webhook_url:
            await self._set_webhook()
        elif polling:
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
        self._active = True

    async def _tick(self, _context: object) -> None:
        """One scheduler tick: fire due reminders, then let the sender deliver."""
        await self.sweeper.sweep()
        self._changed()

    def _changed(self) -> None:
        """After a change: the outbox and the webhooks may have rows to deliver."""
        self.sender.wake()
        self.webhooks.wake()

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        """Runs a long-lived part in the background, logging if it dies."""
        task = asyncio.create_task(coroutine, name=name)
        task.add_done_callback(_log_death)
        self._tasks.append(task)

    async def stop(self) -> None:
        """Stops polling and processing, then closes Telegram and database connections."""
        if self._web_runner is not None:
            await self._web_runner.cleanup()
            self._web_runner = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._active:
            await self.pump.close()
        self._active = False
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.leadership.release()
        if self._own_engine:
            await self.engine.dispose()


ACTIVE_PARTS = frozenset({"pump", "answers", "outbox", "poller"})


def _log_death(task: asyncio.Task[None]) -> None:
    """Logs a background part that ended with an error."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s stopped", task.get_name(), exc_info=task.exception())
