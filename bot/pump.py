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

from bot.answers import Answers
from bot.context import UnitOfWork, current_unit, units_by_owner
from bot.memory import data_of, restore_data
from bot.persistence import DbPersistence, PendingWrite, apply_writes
from bot.replies import QueuedCall, ReplyBot, stored_calls
from bot.sent_answers import SentAnswers
from core.clock import Clock
from core.i18n import normalize_language
from core.logs import log_context
from core.waiting import wait_event
from storage.db import read_sessions
from storage.models import InboxUpdate
from storage.repos import inbox
from storage.repos.outbox import OUTBOX_WRITTEN

logger = logging.getLogger(__name__)

# Chats worked at once. More let a busy minute's chats overlap their waits for the database and
# Telegram; but every update in flight also waits its turn on the one event loop after each
# statement, so past a point they only make each other slower. With 100 customers thinking
# 1 s, p99 of three runs: 32 chats 57-218 ms, 16 chats 58-98 ms, 8 chats 66-95 ms; at
# saturation 16 and 32 gave about the same steps/s, 8 fewer on SQLite (bench: throughput).
MAX_CONCURRENT_CHATS = 16
# Pending updates taken by one read of the inbox.
READ_LIMIT = 200


class UpdatePump:
    """Moves updates from the inbox table through the Application."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        dialog_ttl: timedelta = timedelta(days=7),
        max_concurrent_chats: int = MAX_CONCURRENT_CHATS,
        poll_interval: float = 1.0,
        work_sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        if not isinstance(application.bot, ReplyBot):
            raise TypeError("the pump needs the application's bot to be a bot.replies.ReplyBot")
        self.application = application
        self._bot: ReplyBot = application.bot
        if not isinstance(application.persistence, DbPersistence):
            raise TypeError("the pump needs the application's persistence to be a DbPersistence")
        self._persistence: DbPersistence = application.persistence
        # Any instance stores updates; `work` (processing, answers) commits only while leading.
        self.sessions = sessions
        self.work = work_sessions or sessions
        self.leading: Callable[[], bool] = lambda: True
        self._reads = read_sessions(sessions)
        self.clock = clock
        self.dialog_ttl = dialog_ttl
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._slots = asyncio.Semaphore(max_concurrent_chats)
        # SQLite admits one writer: queue this process's write transactions here, in order,
        # instead of in SQLite's busy handler, which polls with sleeps and lets unlucky chats
        # starve (bench: p99). The answers to an update go out after its commit, outside.
        # Storing new updates queues like the rest: letting it go first was measured slower
        # (p50 0.27-0.32 s became 0.62-0.73 s with customers thinking 1 s), as it stored many
        # small batches where waiting its turn gathers each poll's updates into one.
        bind = sessions.kw.get("bind")
        on_sqlite = bind is not None and bind.dialect.name == "sqlite"
        self._one_writer = asyncio.Lock() if on_sqlite else None
        self._busy_chats: set[str] = set()
        # Busy chats that received updates meanwhile: the inbox is read again when they finish.
        # Other chats finishing need no new read (bench: ~1 empty read per update before).
        self._stored_while_busy: set[str] = set()
        # Inbox rows whose answers have gone out; marked in a later transaction.
        self._sent = SentAnswers()
        # Answers Telegram did not take at once wait and are retried there, not in a slot.
        self.answers = Answers(
            self._bot,
            self.work,
            clock,
            application.bot_data.services.settings,
            sent=self._answered,
        )
        self.answers.leading = lambda: self.leading()
        self._tasks: set[asyncio.Task[None]] = set()
        self.processed = 0
        self.received = 0
        # Seconds each update took through the handlers (the web app's latency histogram).
        self.observe_latency: Callable[[float], None] | None = None
        self.failed = 0
        # Called after an update that queued outbox messages has committed (wakes the sender).
        self.after_update: Callable[[], None] | None = None

    def _writing(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """Holds SQLite's one writer for this process (FIFO); nothing on PostgreSQL."""
        return self._one_writer or contextlib.nullcontext()

    async def ingest(self, payloads: Sequence[dict[str, Any]]) -> int:
        """Stores updates durably (duplicates ignored); returns how many were new."""
        async with self._writing(), self.sessions() as session, session.begin():
            new = await inbox.store_many(session, payloads=payloads, now=self.clock.now())
        self.received += new
        if new:
            # A chat being worked was left out of the read that started it: read again after it.
            self._stored_while_busy.update(
                key for key in map(inbox.chat_key, payloads) if key in self._busy_chats
            )
            self._idle.clear()
            self._wake.set()
        return new

    def wake(self) -> None:
        """Asks the pump to look at the inbox now."""
        self._idle.clear()
        self._wake.set()

    async def run(self) -> None:
        """Processes the inbox until cancelled; replays what a crash left unprocessed."""
        await self.resend_unsent()
        while True:
            await self.pump_once()
            # Sooner while sent answers wait to be marked (bot.sent_answers).
            await wait_event(self._wake, self._sent.seconds_until_due(self.poll_interval))
            self._wake.clear()

    async def resend_unsent(self) -> None:
        """Sends the answers a crash kept from going out after their update committed.

        An answer sent just before the crash (not yet marked) goes out a second time.
        """
        async with self._reads() as session:
            rows = await inbox.unsent_replies(session)
        for row in rows:
            calls = [QueuedCall.restored(stored) for stored in row.replies or ()]
            logger.info("sending %s answers of update %s again", len(calls), row.update_id)
            await self.answers.deliver(row.id, _chat_of(row), calls)
        await self._forget_sent_replies()

    def _answered(self, inbox_id: int) -> None:
        """Notes an update whose answers have all gone out. The first to wait wakes the pump,
        whose next wait then ends when they are due to be marked (bot.sent_answers)."""
        if not self._sent:
            self._wake.set()
        self._sent.add(inbox_id)

    async def halt(self) -> None:
        """After run() is cancelled on losing the lock: ends the updates in progress at once.

        Nothing of theirs can commit any more (the fence), and answers not yet sent are left
        in the inbox for the new leader.
        """
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def close(self, within: float = 10.0) -> None:
        """After run() is cancelled: lets updates in progress finish, then notes what was sent."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=within)
        try:
            await self._forget_sent_replies()
        except Exception:  # the database is gone: the next start sends them once more
            logger.warning("could not note the answers sent", exc_info=True)

    async def _forget_sent_replies(self) -> None:
        """Marks the sent answers in a transaction of its own (quiet times, shutdown)."""
        if not self._sent:
            return
        done: set[int] = set()
        try:
            async with self._writing(), self.work() as session, session.begin():
                done = await self._sent.mark(session, due=True)
        except BaseException:
            self._sent.put_back(done)  # not committed: a later transaction marks them
            raise

    async def pump_once(self) -> None:
        """Starts work on every pending update whose chat is not already being worked."""
        async with self._reads() as session:
            rows = await inbox.pending(session, skip_chats=set(self._busy_chats), limit=READ_LIMIT)
        if len(rows) == READ_LIMIT:
            self._wake.set()  # more are waiting
        if not rows and self._sent.due():
            await self._forget_sent_replies()  # quiet: no transaction takes them along
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
        if not self._busy_chats and not rows:
            self._idle.set()

    async def _work_chat(self, chat: str, rows: list[InboxUpdate]) -> None:
        """Processes one chat's updates strictly in order."""
        try:
            async with self._slots:
                for row in rows:
                    if not self.leading():
                        return  # the new leader works the rest
                    with log_context(update_id=row.update_id):
                        await self.process(row)
        finally:
            self._busy_chats.discard(chat)
            # The last chat to finish (none left busy) looks once more: the pump may go idle, rows
            # may have come some other way. A chat with updates stored while busy reads them now.
            if chat in self._stored_while_busy or not self._busy_chats:
                self._stored_while_busy.discard(chat)
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
            await self._finish_failed(row, f"malformed: {exc}", [])
            return
        started = time.perf_counter()
        error: str | None = None
        handed_over = False
        forgotten: set[int] = set()
        writes: list[PendingWrite] = []
        now = self.clock.now()
        async with self._writing(), self.work() as session:
            unit = UnitOfWork(session=session, queue_replies=True)
            token = current_unit.set(unit)
            owners = _owners(update)
            for owner in owners:
                units_by_owner[owner] = unit
            before = data_of(self.application, update)
            try:
                async with session.begin():
                    await self.application.process_update(update)
                    if unit.failed:
                        raise HandlerFailed
                    await self.application.update_persistence()
                    now = self.clock.now()
                    writes = self._persistence.changed(unit.writes, now)
                    await apply_writes(session, writes, self.clock, self.dialog_ttl)
                    replies = stored_calls(unit.replies)
                    if not await inbox.finish(session, inbox_id=row.id, now=now, replies=replies):
                        raise AlreadyProcessed
                    forgotten = await self._sent.mark(session)
            except AlreadyProcessed:
                return  # another processor committed it first; its answers went out
            except HandlerFailed:
                error = "handler failed"  # on_error left only its notice to the user queued
            except Exception as exc:  # the transaction failed: record it, do not loop on it
                if not self.leading():  # fenced, not failed: the new leader processes it
                    logger.warning("update %s left to the new leader", row.update_id)
                    handed_over = True
                    error = "handed over"
                    return
                logger.exception(
                    "update %s could not be committed",
                    row.update_id,
                    extra={"update_id": row.update_id},
                )
                error = f"{type(exc).__name__}: {exc}"
                unit.replies[:] = self._error_notice(update)
            finally:
                if error is not None:  # what the handlers changed in memory is undone too
                    restore_data(self.application, update, before)
                current_unit.reset(token)
                for owner in owners:
                    if units_by_owner.get(owner) is unit:
                        del units_by_owner[owner]
                if handed_over:
                    self._sent.put_back(forgotten)  # rolled back with the update
        if error is None:
            self._persistence.committed(writes, now)
        else:
            self._sent.put_back(forgotten)  # rolled back with the update
            await self._finish_failed(row, error, unit.replies)
        # The writer is free again: only now do the answers go out (bot.replies).
        chat = update.effective_chat
        await self.answers.deliver(row.id, chat.id if chat else None, unit.replies)
        if self.observe_latency is not None:
            self.observe_latency(time.perf_counter() - started)
        if error is None:
            self.processed += 1
            if self.after_update is not None and session.info.get(OUTBOX_WRITTEN):
                self.after_update()

    async def _finish_failed(
        self, row: InboxUpdate, error: str, replies: list[QueuedCall]
    ) -> None:
        """Marks an update failed, in a transaction of its own, with the notice to the user."""
        try:
            async with self._writing(), self.work() as session, session.begin():
                await inbox.finish(
                    session,
                    inbox_id=row.id,
                    now=self.clock.now(),
                    replies=stored_calls(replies),
                    error=error,
                )
        except Exception:
            if self.leading():
                raise
            replies.clear()  # not marked: the new leader processes it again
            return
        self.failed += 1

    def _error_notice(self, update: Update) -> list[QueuedCall]:
        """The one answer left when the update's changes could not be saved."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return []
        chosen = self.application.user_data.get(user.id, {}).get("lang") if user else None
        language = chosen or normalize_language(user.language_code if user else None)
        body = self.application.bot_data.services.texts.get(language, "common.error")
        return [QueuedCall("sendMessage", {"chat_id": str(chat.id), "text": body})]

    async def wait_idle(self, within: float = 10.0) -> None:
        """Waits until every stored update has been processed (tests, shutdown)."""

        async def _settled() -> None:
            while True:  # once idle, the backlog says whether rows came some other way
                await self._idle.wait()
                async with self._reads() as session:
                    if await inbox.backlog(session) == 0 and not self._busy_chats:
                        return
                self._idle.clear()
                self._wake.set()

        await asyncio.wait_for(_settled(), timeout=within)


def _chat_of(row: InboxUpdate) -> int | None:
    """The chat an update came from, if its key names one."""
    key = row.chat_key
    return int(key[1:]) if key.startswith("c") and key[1:].lstrip("-").isdigit() else None


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


class AlreadyProcessed(Exception):
    """Another processor finished the update first; this run must not commit."""
