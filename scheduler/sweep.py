"""The sweep: claims due reminders one by one and runs their handlers, each in its own transaction.

A claim is a conditional UPDATE (sent_at IS NULL), so a reminder fires once even with two
sweepers or after a restart; the handler's effects commit with the claim or not at all.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales.clock import Clock
from aftersales.settings import Settings
from domain.policy import ServicePolicy
from scheduler import jobs
from scheduler.registry import JobContext, handler_for
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
        fired = 0
        while True:
            async with self.sessions() as session:
                due = await reminders.due_ids(session, now=now, limit=self.batch)
            if not due:
                break
            for reminder_id in due:
                fired += await self._fire(reminder_id, now)
            if len(due) < self.batch:
                break
        self.fired += fired
        return fired

    async def _fire(self, reminder_id: int, now: datetime) -> int:
        """Claims one reminder and runs its handler in the same transaction."""
        try:
            async with self.sessions() as session, session.begin():
                reminder = await reminders.claim(session, reminder_id=reminder_id, now=now)
                if reminder is None:
                    return 0  # another sweeper took it, or it was cancelled meanwhile
                handler = handler_for(reminder)
                if handler is None:
                    logger.error("no handler for reminder %s/%s", reminder.kind, reminder.stage)
                    return 1
                context = JobContext(
                    session=session, now=now, settings=self.settings, policy=self.policy
                )
                await handler(context, reminder)
                return 1
        except Exception:  # one broken reminder must not stop the others; it stays unclaimed
            logger.exception("reminder %s failed; it will be retried", reminder_id)
            return 0
