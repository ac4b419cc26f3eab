"""The outbox sender: delivers queued messages once, paced to Telegram's limits.

Due-ness (`not_before`, RetryAfter waits, backoff) follows the injected clock; pacing follows
real time (`scheduler.pacing`). A row is claimed before it is sent, so two senders or a
restart never send it twice. An answer that may or may not have reached Telegram (a read
timeout) is not resent: the row is marked dead "delivery unknown" rather than risk a
duplicate. A dead row is reported to the admins by an outbox row of its own.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from core.clock import Clock
from core.i18n import Texts
from core.messages import Message
from core.settings import Settings
from core.transport import may_have_arrived, retry_seconds
from core.waiting import wait_event
from scheduler import documents
from scheduler.pacing import Pacer
from services import scheduling
from storage.db import read_sessions
from storage.models import OutboxMessage
from storage.repos import outbox

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
# Longer pacing waits leave the row queued for the next pass instead of holding this one.
MAX_PAUSE = 3.0


class DeliveryUnknown(Exception):
    """The request may have reached Telegram; sending again could duplicate the message."""


@dataclass
class _Pass:
    """Bookkeeping of one drain: rows done or set aside, and the shortest pacing wait."""

    seen: set[int] = field(default_factory=set)
    chat_until: dict[int, datetime] = field(default_factory=dict)
    pause: float | None = None


class OutboxSender:
    """Sends due outbox rows through the Bot API."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        texts: Texts,
        settings: Settings,
        *,
        pacer: Pacer | None = None,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self._reads = read_sessions(sessions)
        self.clock = clock
        self.texts = texts
        self.settings = settings
        self.pacer = pacer or Pacer(
            per_second=settings.outbox_global_per_second,
            chat_interval=settings.outbox_chat_interval_seconds,
            group_per_minute=settings.outbox_group_per_minute,
        )
        self._wake = asyncio.Event()
        # One pass at a time: a caller of drain() also waits for a pass already sending.
        self._passing = asyncio.Lock()
        self.sent = 0
        self.dead = 0

    def wake(self) -> None:
        """Asks the sender to look for work now."""
        self._wake.set()

    async def run(self) -> None:
        """Sends until cancelled."""
        while True:
            try:
                await self.drain()
            except Exception:  # a database hiccup must not end delivery for good
                logger.exception("outbox pass failed; trying again shortly")
            await wait_event(self._wake, 1.0)
            self._wake.clear()

    async def drain(self) -> int:
        """Sends everything due now (pacing permitting); returns how many were delivered."""
        async with self._passing:
            return await self._drain()

    async def _drain(self) -> int:
        """One pass over the due rows."""
        delivered = 0
        state = _Pass()
        # One read transaction for the rows a stopped sender left mid-send and the first due
        # rows (the sender drains after every update that queued a message).
        async with self._reads() as session:
            stale = await outbox.stale_sending(session, now=self.clock.now())
            rows = await outbox.due_messages(session, now=self.clock.now(), limit=100)
        for row in stale:  # resending could deliver twice; the admins decide (/outbox retry)
            await self._dead(row, "delivery unknown: the sender stopped while sending it")
        while True:
            rows = [row for row in rows if row.id not in state.seen]
            if not rows:
                return delivered
            state.pause = None
            progressed = False
            for row in rows:
                if not self._ready(row, state):
                    continue
                state.seen.add(row.id)
                async with self.sessions() as session, session.begin():
                    claimed = await outbox.claim(
                        session, message_id=row.id, now=self.clock.now(), lease=LEASE
                    )
                if not claimed:
                    continue
                progressed = True
                delivered += await self._deliver(row, state)
            if not progressed:
                if state.pause is None:
                    return delivered
                await asyncio.sleep(state.pause)
            async with self._reads() as session:
                rows = await outbox.due_messages(
                    session, now=self.clock.now(), limit=100 + len(state.seen)
                )

    def _ready(self, row: OutboxMessage, state: _Pass) -> bool:
        """Whether a row may go now; rows held back by a long wait are left for later."""
        until = state.chat_until.get(row.chat_id)
        if until is not None and until > self.clock.now():
            state.seen.add(row.id)  # Telegram asked us to wait for this chat
            return False
        wait = self.pacer.wait(row.chat_id)
        if wait <= 0:
            return True
        if wait > MAX_PAUSE:
            state.seen.add(row.id)
        else:
            state.pause = wait if state.pause is None else min(state.pause, wait)
        return False

    async def _send(
        self,
        row: OutboxMessage,
        message: Message,
        text: str,
        markup: object,
        document: tuple[str, bytes] | None = None,
    ) -> int:
        """Performs the API call of a row's message; returns Telegram's message id."""
        timeout = self.settings.outbox_send_timeout_seconds
        try:
            if document is not None:
                name, data = document
                sent = await self.bot.send_document(
                    row.chat_id,
                    InputFile(data, filename=name),
                    caption=text[:1024],
                    reply_markup=markup,  # type: ignore[arg-type]
                    read_timeout=timeout,
                    write_timeout=timeout,
                )
            elif message.photo_file_id:
                sent = await self.bot.send_photo(
                    row.chat_id,
                    message.photo_file_id,
                    caption=text[:1024],
                    reply_markup=markup,  # type: ignore[arg-type]
                    read_timeout=timeout,
                )
            elif message.voice_file_id:
                sent = await self.bot.send_voice(
                    row.chat_id,
                    message.voice_file_id,
                    caption=text[:1024],
                    reply_markup=markup,  # type: ignore[arg-type]
                    read_timeout=timeout,
                )
            else:
                sent = await self.bot.send_message(
                    row.chat_id,
                    text,
                    reply_markup=markup,  # type: ignore[arg-type]
                    read_timeout=timeout,
                )
        except NetworkError as exc:
            if may_have_arrived(exc):
                self.pacer.record(row.chat_id)  # it may have gone out: count it
                raise DeliveryUnknown(f"{type(exc.__cause__).__name__}: {exc}") from exc
            raise
        # Refused calls (429, 403, 5xx) delivered nothing, so only a sent message is counted.
        self.pacer.record(row.chat_id)
        return sent.message_id

    async def _deliver(self, row: OutboxMessage, state: _Pass) -> int:
        """Sends one claimed row and records the outcome."""
        payload = row.payload
        language = str(payload.get("lang") or self.settings.default_language)
        message = Message.from_json(payload)
        try:
            text, markup = self.texts.render(message, language)
        except (KeyError, IndexError, ValueError) as exc:  # a broken catalog entry or args
            await self._dead(row, f"cannot render {message.key}: {exc!r}")
            return 0
        document = None
        if message.document is not None:
            try:
                document = await documents.make(
                    message.document,
                    language,
                    sessions=self._reads,
                    texts=self.texts,
                    settings=self.settings,
                )
            except Exception as exc:  # a missing font or a broken report: admins must hear of it
                logger.exception("outbox %s: cannot make %s", row.id, message.document)
                await self._dead(row, f"cannot make document {message.document}: {exc!r}")
                return 0
        attempts = row.attempts + 1
        try:
            message_id = await self._send(row, message, text, markup, document)
        except RetryAfter as exc:
            delay = timedelta(seconds=retry_seconds(exc))
            state.chat_until[row.chat_id] = self.clock.now() + delay
            await self._retry(row, delay, f"RetryAfter {delay.total_seconds():.0f}s", count=False)
            return 0
        except DeliveryUnknown as exc:
            await self._dead(row, f"delivery unknown, not resent to avoid a duplicate: {exc}")
            return 0
        except Forbidden as exc:
            await self._dead(row, f"Forbidden: {exc.message}")
            return 0
        except (BadRequest, ChatMigrated, InvalidToken) as exc:
            await self._dead(row, f"{type(exc).__name__}: {exc.message}")
            return 0
        except TelegramError as exc:  # 5xx and connection failures: the message did not go
            if attempts >= self.settings.outbox_max_attempts:
                await self._dead(row, f"{type(exc).__name__}: {exc} (after {attempts} attempts)")
                return 0
            backoff = min(2**attempts, 3600) * (1 + random.random() / 2)
            await self._retry(row, timedelta(seconds=backoff), f"{type(exc).__name__}: {exc}")
            return 0
        async with self.sessions() as session, session.begin():
            await outbox.mark_sent(
                session, message_id=row.id, now=self.clock.now(), telegram_message_id=message_id
            )
        self.sent += 1
        if message.location is not None:
            await self._send_location(row, message.location)
        return 1

    async def _send_location(self, row: OutboxMessage, location: tuple[float, float]) -> None:
        """Sends the map pin that follows a message; its loss is logged, never resent twice."""
        wait = self.pacer.wait(row.chat_id)
        if wait > 0:
            await asyncio.sleep(min(wait, MAX_PAUSE))
        try:
            await self.bot.send_location(row.chat_id, *location)
        except TelegramError:
            logger.warning("outbox %s: the location after the message failed", row.id)
        self.pacer.record(row.chat_id)

    async def _retry(
        self, row: OutboxMessage, delay: timedelta, error: str, *, count: bool = True
    ) -> None:
        """Puts a row back for later."""
        logger.warning("outbox %s: %s; retrying in %s", row.id, error, delay)
        async with self.sessions() as session, session.begin():
            await outbox.mark_retry(
                session,
                message_id=row.id,
                not_before=self.clock.now() + delay,
                error=error,
                keep_attempt=count,
            )

    async def _dead(self, row: OutboxMessage, error: str) -> None:
        """Gives up on a row and tells the admins, in the same transaction."""
        logger.error("outbox %s to chat %s is dead: %s", row.id, row.chat_id, error)
        async with self.sessions() as session, session.begin():
            await outbox.mark_dead(session, message_id=row.id, error=error)
            await scheduling.tell_admins_of_dead(
                session,
                row=row,
                error=error,
                admin_ids=self.settings.admin_ids,
                default_language=self.settings.default_language,
                now=self.clock.now(),
            )
        self.dead += 1
