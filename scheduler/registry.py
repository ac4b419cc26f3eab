"""Reminder handlers by kind and stage; feature modules register theirs with @handles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from domain.policy import ServicePolicy
from storage.models import Reminder


@dataclass
class JobContext:
    """What a reminder handler gets: the sweep's session, the time, settings and policy."""

    session: AsyncSession
    now: datetime
    settings: Settings
    policy: ServicePolicy


ReminderHandler = Callable[[JobContext, Reminder], Awaitable[None]]

HANDLERS: dict[tuple[str, str | None], ReminderHandler] = {}


def handles(kind: str, stage: str | None = None) -> Callable[[ReminderHandler], ReminderHandler]:
    """Registers a handler for a reminder kind (and stage; None means every stage)."""

    def register(handler: ReminderHandler) -> ReminderHandler:
        HANDLERS[(kind, stage)] = handler
        return handler

    return register


def handler_for(reminder: Reminder) -> ReminderHandler | None:
    """The handler of a reminder: the stage's own, else the kind's."""
    return HANDLERS.get((reminder.kind, reminder.stage)) or HANDLERS.get((reminder.kind, None))
