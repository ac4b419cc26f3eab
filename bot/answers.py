"""Answers that Telegram could not take at once are kept and retried, in order, per chat.

An update's answers are committed with it (the inbox row's `replies`, bot.pump). When some
of them fail for a passing reason (a flood wait, a 5xx, no connection), the rest stays in that
row and waits here: a flood wait is honoured for its chat, other failures are retried with the
outbox's backoff and given up only after `outbox_max_attempts` (the admins are told, as for
the outbox). Later answers to the same chat queue behind them, so a chat reads its answers in
order; the waiting happens here, not in the pump's chat slots, so other chats are answered at
once. Due times follow the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replies import QueuedCall, ReplyBot, Unsent, stored_calls
from core.clock import Clock
from core.messages import Message
from core.settings import Settings
from core.waiting import wait_event
from services.scheduling import admin_recipients
from storage.repos import inbox, outbox

logger = logging.getLogger(__name__)

# Longest backoff between two attempts, as for outbox rows.
MAX_BACKOFF = 3600


@dataclass
class Waiting:
    """The answers of one update still to send, and when to try again."""

    inbox_id: int
    calls: list[QueuedCall]
    not_before: datetime
    attempts: int = 0
    error: str = ""


class Answers:
    """Sends an update's answers now, or keeps them for a later attempt."""

    def __init__(
        self,
        bot: ReplyBot,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Settings,
        *,
        sent: Callable[[int], None],
    ) -> None:
        self._bot = bot
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        # Called with the inbox id of an update whose answers have all gone out.
        self._sent = sent
        # Each chat's waiting answers, oldest first; a chat is here only while some wait.
        self._chats: dict[int | None, deque[Waiting]] = {}
        self._busy: set[int | None] = set()
        self._wake = asyncio.Event()
        # False once this instance lost its lock: what is not sent is left to the new leader.
        self.leading: Callable[[], bool] = lambda: True
        # Called after a notice to the admins was queued (wakes the outbox sender).
        self.after_notice: Callable[[], None] | None = None
        self.given_up = 0

    def waiting(self, chat_id: int | None) -> int:
        """How many updates' answers wait for a chat (tests, metrics)."""
        return len(self._chats.get(chat_id, ()))

    async def deliver(
        self, inbox_id: int, chat_id: int | None, calls: Sequence[QueuedCall]
    ) -> None:
        """Sends an update's committed answers, unless earlier answers to its chat still wait."""
        if not calls or not self.leading():
            return
        now = self.clock.now()
        queue = self._chats.get(chat_id)
        if queue is not None:  # behind the chat's waiting answers: in order, never before them
            queue.append(Waiting(inbox_id, list(calls), now))
            return
        unsent = await self._bot.send_queued(calls, chat_id)
        if unsent is None:
            self._sent(inbox_id)
            return
        if not self.leading():
            return
        waiting = Waiting(inbox_id, list(calls), now)
        # The pump works one update of a chat at a time: nothing for this chat came meanwhile.
        if not await self._failed(waiting, unsent, chat_id):
            self._chats.setdefault(chat_id, deque()).appendleft(waiting)
            self._wake.set()

    async def run(self) -> None:
        """Retries waiting answers as they come due, until cancelled."""
        while True:
            try:
                await self.drain()
            except Exception:  # a database hiccup must not end the retries for good
                logger.exception("answer retry pass failed; trying again shortly")
            await wait_event(self._wake, 1.0)
            self._wake.clear()

    async def drain(self) -> None:
        """Sends every chat's answers that are due now, chats at the same time."""
        now = self.clock.now()
        due = [
            chat_id
            for chat_id, queue in self._chats.items()
            if chat_id not in self._busy and queue and queue[0].not_before <= now
        ]
        if due:
            await asyncio.gather(*(self._retry_chat(chat_id) for chat_id in due))

    async def _retry_chat(self, chat_id: int | None) -> None:
        """Sends a chat's waiting answers in order, until one fails again or none is left."""
        self._busy.add(chat_id)
        try:
            queue = self._chats[chat_id]
            while queue and self.leading():
                waiting = queue[0]
                if waiting.not_before > self.clock.now():
                    return
                unsent = await self._bot.send_queued(waiting.calls, chat_id)
                if unsent is None:
                    queue.popleft()
                    self._sent(waiting.inbox_id)
                    continue
                if not await self._failed(waiting, unsent, chat_id):
                    return
                queue.popleft()  # given up: the next answers may go
        finally:
            self._busy.discard(chat_id)
            if not self._chats.get(chat_id, True):
                del self._chats[chat_id]

    async def _failed(self, waiting: Waiting, unsent: Unsent, chat_id: int | None) -> bool:
        """Schedules the next attempt and keeps the rest stored; True if given up instead."""
        waiting.calls = unsent.calls
        waiting.error = unsent.error
        now = self.clock.now()
        if unsent.retry_after is not None:  # a flood wait is not an attempt
            delay = unsent.retry_after
        else:
            waiting.attempts += 1
            if waiting.attempts >= self.settings.outbox_max_attempts:
                await self._give_up(waiting, chat_id)
                return True
            delay = min(2**waiting.attempts, MAX_BACKOFF) * (1 + random.random() / 2)
        waiting.not_before = now + timedelta(seconds=delay)
        logger.warning(
            "answers of inbox %s to chat %s: %s; retrying in %.1fs",
            waiting.inbox_id,
            chat_id,
            unsent.error,
            delay,
        )
        # Only the unsent rest stays stored: after a restart nothing sent goes out twice.
        async with self.sessions() as session, session.begin():
            await inbox.keep_replies(
                session, inbox_id=waiting.inbox_id, replies=stored_calls(unsent.calls)
            )
        return False

    async def _give_up(self, waiting: Waiting, chat_id: int | None) -> None:
        """Forgets answers whose attempts ran out, and tells the admins, in one transaction."""
        logger.error(
            "answers of inbox %s to chat %s given up after %s attempts: %s",
            waiting.inbox_id,
            chat_id,
            waiting.attempts,
            waiting.error,
        )
        now = self.clock.now()
        message = Message(
            "answers.dead",
            {
                "chat_id": chat_id or "-",
                "attempts": waiting.attempts,
                "error": waiting.error[:300],
            },
        )
        async with self.sessions() as session, session.begin():
            await inbox.keep_replies(session, inbox_id=waiting.inbox_id, replies=[])
            for telegram_id, language in await admin_recipients(
                session,
                admin_ids=self.settings.admin_ids,
                default_language=self.settings.default_language,
            ):
                if telegram_id == chat_id:
                    continue  # the admin's own chat is failing: telling them would loop
                await outbox.enqueue(
                    session,
                    chat_id=telegram_id,
                    message=message,
                    language=language,
                    dedupe_key=f"answer-dead:{waiting.inbox_id}:admin:{telegram_id}",
                    now=now,
                )
        self.given_up += 1
        if self.after_notice is not None:
            self.after_notice()
