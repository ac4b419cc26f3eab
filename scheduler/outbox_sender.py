"""The outbox sender: delivers queued messages once, retrying what can be retried."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from aftersales.clock import Clock
from aftersales.settings import Settings
from bot.i18n import Texts
from domain.messages import Message
from storage.models import OutboxMessage
from storage.repos import outbox

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


class OutboxSender:
    """Sends due outbox rows through the Bot API."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        texts: Texts,
        settings: Settings,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.texts = texts
        self.settings = settings
        self._wake = asyncio.Event()
        self.sent = 0
        self.dead = 0

    def wake(self) -> None:
        """Asks the sender to look for work now."""
        self._wake.set()

    async def run(self) -> None:
        """Sends until cancelled."""
        while True:
            await self.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            self._wake.clear()

    async def drain(self) -> int:
        """Sends everything due now; returns how many were delivered."""
        delivered = 0
        async with self.sessions() as session, session.begin():
            await outbox.release_stale(session, now=self.clock.now())
        while True:
            async with self.sessions() as session:
                rows = await outbox.due_messages(session, now=self.clock.now(), limit=100)
            if not rows:
                return delivered
            progressed = False
            for row in rows:
                async with self.sessions() as session, session.begin():
                    claimed = await outbox.claim(
                        session, message_id=row.id, now=self.clock.now(), lease=LEASE
                    )
                if not claimed:
                    continue
                progressed = True
                delivered += await self._deliver(row)
            if not progressed:
                return delivered

    async def _deliver(self, row: OutboxMessage) -> int:
        """Sends one claimed row and records the outcome."""
        payload = row.payload
        language = str(payload.get("lang") or self.settings.default_language)
        message = Message.from_json(payload)
        text, markup = self.texts.render(message, language)
        attempts = row.attempts + 1
        try:
            if message.photo_file_id:
                sent = await self.bot.send_photo(
                    row.chat_id, message.photo_file_id, caption=text[:1024], reply_markup=markup
                )
            else:
                sent = await self.bot.send_message(row.chat_id, text, reply_markup=markup)
            if message.location is not None:
                await self.bot.send_location(row.chat_id, *message.location)
        except RetryAfter as exc:
            wait = exc.retry_after
            delay = wait if isinstance(wait, timedelta) else timedelta(seconds=wait)
            await self._retry(row, delay, f"RetryAfter {delay.total_seconds():.0f}s", count=False)
            return 0
        except Forbidden as exc:
            await self._dead(row, f"Forbidden: {exc.message}")
            return 0
        except BadRequest as exc:
            await self._dead(row, f"BadRequest: {exc.message}")
            return 0
        except (TimedOut, NetworkError) as exc:
            if attempts >= self.settings.outbox_max_attempts:
                await self._dead(row, f"{type(exc).__name__}: {exc}")
                return 0
            backoff = min(2**attempts, 3600) * (1 + random.random() / 2)
            await self._retry(row, timedelta(seconds=backoff), f"{type(exc).__name__}: {exc}")
            return 0
        async with self.sessions() as session, session.begin():
            await outbox.mark_sent(
                session,
                message_id=row.id,
                now=self.clock.now(),
                telegram_message_id=sent.message_id,
            )
        self.sent += 1
        return 1

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
        """Gives up on a row."""
        logger.error("outbox %s to chat %s is dead: %s", row.id, row.chat_id, error)
        async with self.sessions() as session, session.begin():
            await outbox.mark_dead(session, message_id=row.id, error=error)
        self.dead += 1
