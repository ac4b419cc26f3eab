"""What the web app shares between its views: the process's objects under typed app keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import aiohttp
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.i18n import Texts
from core.settings import Settings
from domain.policy import ServicePolicy
from storage.db import read_sessions
from web.metrics import Metrics


class Inbox(Protocol):
    """Where webhook updates go: stored durably before Telegram hears 200."""

    async def ingest(self, payloads: Sequence[dict[str, Any]]) -> int:
        """Stores updates (duplicates ignored); returns how many were new."""
        ...


@dataclass
class WebDeps:
    """What the web app needs from the running process."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    inbox: Inbox | None = None
    policy: ServicePolicy = field(default_factory=ServicePolicy)
    last_tick: Callable[[], datetime | None] = lambda: None
    active: Callable[[], bool] = lambda: True
    after_change: Callable[[], None] = lambda: None
    metrics: Metrics = field(default_factory=Metrics)
    # Sessions for views that only read: on SQLite they never wait behind the bot's writer,
    # so /readyz does not report the database unreachable while the bot is busy.
    reads: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.reads = read_sessions(self.sessions)


deps_key = web.AppKey("deps", WebDeps)
texts_key = web.AppKey("texts", Texts)
templates_key = web.AppKey("templates", jinja2.Environment)
http_key = web.AppKey("http", aiohttp.ClientSession)
# Set by `aftersales demo` only: the sandbox page's path. There is no Telegram to send a
# /dashboard link, so the login page points there instead.
sandbox_page_key = web.AppKey("sandbox_page", str)
