"""The sweep: makes sure calendar rows exist, claims due reminders and runs their handlers.

A reminder fires once. On SQLite each is claimed by a conditional UPDATE (sent_at IS NULL)
in its own transaction; on PostgreSQL a batch is locked with FOR UPDATE SKIP LOCKED and each
handler runs in a savepoint, so concurrent sweepers take disjoint rows. Either way the
handler's effects commit with the claim or not at all. A handler that raises leaves its row
due; after settings.reminder_max_attempts failures the row is given up (cancelled, logged).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.settings import Settings
from domain.policy import ServicePolicy
from scheduler import jobs, recurring
from scheduler.registry import JobContext, handler_for
from storage.db import read_sessions
from storage.models import Reminder
from storage.repos import reminders

logger = logging.getLogger(__name__)


def load_jobs() -> None:
    """Imports every module of scheduler.jobs so their handlers register."""
    for module in pkgutil.iter_modules(jobs.__path__):
        importlib.import_module(f"{jobs.__name__}.{module.name}")


class Sweeper:
    """Runs due reminders."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Settings,
        policy: ServicePolicy,
        *,
        batch: int = 200,
    ) -> None:
        load_jobs()
        self.sessions = sessions
        self._reads = read_sessions(sessions)
        self.clock = clock
        self.settings = settings
        self.policy = policy
        self.batch = batch
        self.fired = 0
        self.last_tick: datetime | None = None

    async def sweep(self) -> int:
        """Fires every reminder due now; returns how many this sweeper fired."""
        now = self.clock.now()
        self.last_tick = now
        try:
            async with self.sessions() as session, session.begin():
                await recurring.ensure_rows(session, now=now, settings=self.settings)
        except Exception:  # a broken calendar job must not hold up the case reminders
            logger.exception("planning calendar jobs failed")
        postgres = self.sessions.kw["bind"].dialect.name == "postgresql"
        tried: set[int] = set()
        fired = 0
        while True:
            if postgres:
                count, more = await self._sweep_locked_batch(now, tried)
            else:
                count, more = await self._sweep_one_by_one(now, tried)
            fired += count
            if not more:
                break
        self.fired += fired
        return fired

    async def _sweep_one_by_one(self, now: datetime, tried: set[int]) -> tuple[int, bool]:
        """SQLite: claims and runs due rows one transaction each; (fired, maybe more)."""
        async with self._reads() as session:
            due = await reminders.due_ids(session, now=now, limit=self.batch, skip=tried)
        fired = 0
        for reminder_id in due:
            tried.add(reminder_id)
            fired += await self._fire(reminder_id, now)
        return fired, bool(due)

    async def _fire(self, reminder_id: int, now: datetime) -> int:
        """Claims one reminder and runs its handler in the same transaction."""
        try:
            async with self.sessions() as session, session.begin():
                reminder = await reminders.claim(session, reminder_id=reminder_id, now=now)
                if reminder is None:
                    return 0  # another sweeper took it, or it was cancelled meanwhile
                return await self._run(session, reminder, now)
        except Exception as exc:  # one broken reminder must not stop the others
            logger.exception("reminder %s failed", reminder_id)
            async with self.sessions() as session, session.begin():
                await self._failed(session, reminder_id, exc, now)
            return 0

    async def _sweep_locked_batch(self, now: datetime, tried: set[int]) -> tuple[int, bool]:
        """PostgreSQL: locks a batch (SKIP LOCKED), runs each in a savepoint; (fired, more)."""
        fired = 0
        async with self.sessions() as session, session.begin():
            batch = await reminders.lock_due(session, now=now, limit=self.batch, skip=tried)
            failures: list[tuple[int, Exception]] = []
            for reminder in batch:
                reminder_id = reminder.id
                tried.add(reminder_id)
                try:
                    async with session.begin_nested():
                        reminder.sent_at = now
                        await session.flush()
                        fired += await self._run(session, reminder, now)
                except Exception as exc:  # the savepoint undid the claim and the effects
                    logger.exception("reminder %s failed", reminder_id)
                    failures.append((reminder_id, exc))
            for failed_id, error in failures:
                await self._failed(session, failed_id, error, now)
        return fired, bool(batch)

    async def _run(self, session: AsyncSession, reminder: Reminder, now: datetime) -> int:
        """Runs a claimed reminder's handler; 1 when it counts as fired."""
        handler = handler_for(reminder)
        if handler is None:
            logger.error("no handler for reminder %s/%s", reminder.kind, reminder.stage)
            return 1
        context = JobContext(session=session, now=now, settings=self.settings, policy=self.policy)
        await handler(context, reminder)
        return 1

    async def _failed(
        self, session: AsyncSession, reminder_id: int, exc: Exception, now: datetime
    ) -> None:
        """Counts a failed run; gives the reminder up after too many."""
        given_up = await reminders.record_failure(
            session,
            reminder_id=reminder_id,
            error=f"{type(exc).__name__}: {exc}",
            now=now,
            max_attempts=self.settings.reminder_max_attempts,
        )
        if given_up:
            logger.error(
                "reminder %s given up after %s failed attempts",
                reminder_id,
                self.settings.reminder_max_attempts,
            )
