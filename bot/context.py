"""What every callback reaches through its context: services, the update's session, language."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot

from core.clock import Clock
from core.i18n import Texts
from core.settings import Settings
from domain.policy import ServicePolicy


@dataclass
class Services:
    """Shared objects of the running bot, handed to callbacks through the context."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    policy: ServicePolicy
    texts: Texts


class BotData(dict[str, Any]):
    """Application-wide data; holds the services (not persisted)."""

    services: Services


@dataclass
class UnitOfWork:
    """The one database session of the update being processed, and whether it failed.

    With `queue_replies`, the answers the handlers make wait in `replies` until the pump has
    committed (bot.replies).
    """

    session: AsyncSession
    failed: bool = False
    writes: list[Any] = field(default_factory=list)
    queue_replies: bool = False
    replies: list[Any] = field(default_factory=list)


current_unit: ContextVar[UnitOfWork | None] = ContextVar("current_unit", default=None)

# The unit of each chat and user whose update is being processed now. PTB's update_persistence
# hands over every key changed since its last run, whichever update's task calls it; each
# write must join the transaction of the update that made it (bot.persistence routes by key).
units_by_owner: dict[tuple[str, int], UnitOfWork] = {}


class NoSession(RuntimeError):
    """A callback needed the update's session outside of update processing."""


class AppContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], BotData]):
    """Callback context with typed access to services and the update's session."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The bot's shared services."""
        return self.bot_data.services

    @property
    def session(self) -> AsyncSession:
        """The database session owned by the update's processor."""
        unit = current_unit.get()
        if unit is None:
            raise NoSession("no database session outside of update processing")
        return unit.session


# Here, not in bot.app, so that the handler modules bot.app wires can name it without a cycle.
BotApplication = Application[Any, AppContext, dict[str, Any], dict[str, Any], BotData, Any]
