"""The inbox pump: stores updates, then processes each in one transaction, chats in parallel.

An update's handlers, its persisted dialog state, the outbox rows it causes and the inbox mark
all commit together; a failing handler rolls all of it back and the user is told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import Application

from aftersales.clock import Clock
from aftersales.logs import log_context
from bot.context import UnitOfWork, current_unit, units_by_owner
from bot.persistence import apply_write
from storage.models import InboxUpdate
from storage.repos import inbox

logger = logging.getLogger(__name__)


class UpdatePump:
    """Moves updates from the inbox table through the Application."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        dialog_ttl: timedelta = timedelta(days=7),
        max_concurrent_chats: int = 32,
        poll_interval: float = 1.0,
    ) -> None:
        self.application = application
        self.sessions = sessions
        self.clock = clock
        self.dialog_ttl = dialog_ttl
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._slots = asyncio.Semaphore(max_concurrent_chats)
        # SQLite admits one writer, and an update's transaction is open while its handlers
        # talk to Telegram: queue the updates here, in order, instead of in SQLite's busy
        # handler, which polls with sleeps and lets unlucky chats starve (bench: p99).
        bind = sessions.kw.get("bind")
        on_sqlite = bind is not None and bind.dialect.name == "sqlite"
        self._one_writer = asyncio.Lock() if on_sqlite else None
        self._busy_chats: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.processed = 0
        self.received = 0
        # Seconds each update took through the handlers (the web app's latency histogram).
        self.observe_latency: Callable[[float], None] | None = None
        self.failed = 0
        self.after_update: Callable[[], None] | None = None

    async def ingest(self, payloads: Sequence[dict[str, Any]]) -> int:
        """Stores updates durably (duplicates ignored); returns how many were new."""
        new = 0
        async with self.sessions() as session, session.begin():
            for payload in payloads:
                if await inbox.store(session, payload=payload, now=self.clock.now()):
                    new += 1
        self.received += new
        if new:
            self._idle.clear()
            self._wake.set()
        return new

    def wake(self) -> None:
        """Asks the pump to look at the inbox now."""
        self._idle.clear()
        self._wake.set()

    async def run(self) -> None:
        """Processes the inbox until cancelled; replays what a crash left unprocessed."""
        while True:
            await self.pump_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()

    async def pump_once(self) -> None:
        """Starts work on every pending update whose chat is not already being worked."""
        async with self.sessions() as session:
            rows = await inbox.pending(session)
        by_chat: dict[str, list[InboxUpdate]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_key, []).append(row)
        for chat, chat_rows in by_chat.items():
            if chat in self._busy_chats:
                continue
            self._busy_chats.add(chat)
            task = asyncio.create_task(self._work_chat(chat, chat_rows))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if not self._tasks and not rows:
            self._idle.set()

    async def _work_chat(self, chat: str, rows: list[InboxUpdate]) -> None:
        """Processes one chat's updates strictly in order."""
        try:
            async with self._slots:
                for row in rows:
                    with log_context(update_id=row.update_id):
                        await self.process(row)
        finally:
            self._busy_chats.discard(chat)
            self._wake.set()

    async def process(self, row: InboxUpdate) -> None:
        """Runs one stored update through the handlers inside one transaction."""
        try:
            update = Update.de_json(row.payload, self.application.bot)
            message = update.effective_message
            if message is not None and message.chat is None:  # de_json does not insist
                raise ValueError("message without a chat")
        except Exception as exc:  # not a Telegram update (forged or corrupt): set it aside
            logger.warning("update %s is malformed (%s); skipped", row.update_id, exc)
            async with self.sessions() as session, session.begin():
                await inbox.mark_processed(
                    session, inbox_id=row.id, now=self.clock.now(), error=f"malformed: {exc}"
                )
            self.failed += 1
            return
        error: str | None = None
        started = time.perf_counter()
        async with self._one_writer or contextlib.nullcontext(), self.sessions() as session:
            unit = UnitOfWork(session=session)
            token = current_unit.set(unit)
            owners = _owners(update)
            for owner in owners:
                units_by_owner[owner] = unit
            try:
                async with session.begin():
                    if not await inbox.mark_processed(
                        session, inbox_id=row.id, now=self.clock.now()
                    ):
                        return  # another worker processed it already
                    await self.application.process_update(update)
                    if unit.failed:
                        raise HandlerFailed
                    await self.application.update_persistence()
                    for write in unit.writes:
                        await apply_write(session, write, self.clock, self.dialog_ttl)
            except HandlerFailed:
                error = "handler failed"
            except Exception as exc:  # the transaction failed: record it, do not loop on it
                logger.exception(
                    "update %s could not be committed",
                    row.update_id,
                    extra={"update_id": row.update_id},
                )
                error = f"{type(exc).__name__}: {exc}"
            finally:
                current_unit.reset(token)
                for owner in owners:
                    if units_by_owner.get(owner) is unit:
                        del units_by_owner[owner]
        if self.observe_latency is not None:
            self.observe_latency(time.perf_counter() - started)
        if error is None:
            self.processed += 1
            if self.after_update is not None:
                self.after_update()
            return
        self.failed += 1
        async with self.sessions() as session, session.begin():
            await inbox.mark_processed(session, inbox_id=row.id, now=self.clock.now(), error=error)

    async def wait_idle(self, within: float = 10.0) -> None:
        """Waits until every stored update has been processed (tests, shutdown)."""

        async def _settled() -> None:
            while True:
                self._idle.clear()
                self._wake.set()
                await self._idle.wait()
                async with self.sessions() as session:
                    if await inbox.backlog(session) == 0 and not self._tasks:
                        return

        await asyncio.wait_for(_settled(), timeout=within)


def _owners(update: Update) -> list[tuple[str, int]]:
    """The chat and user whose persisted data this update may change."""
    owners: list[tuple[str, int]] = []
    if update.effective_user is not None:
        owners.append(("user", update.effective_user.id))
    if update.effective_chat is not None:
        owners.append(("chat", update.effective_chat.id))
    return owners


class HandlerFailed(Exception):
    """A handler raised; its transaction must not commit."""
