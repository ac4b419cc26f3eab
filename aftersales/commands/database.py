"""The database of a one-shot command: opened only if it exists and is migrated.

Only `run`, `demo` and `db upgrade` create or migrate a database. Every other command works on
the one that is there; when there is none (a typo in AFTERSALES_DATABASE_URL, the wrong
directory) or it was never migrated, it says so in one line instead of creating an empty
`aftersales.db` or failing on "no such table".
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.settings import Settings
from storage import migrate
from storage.backup import sqlite_path
from storage.db import create_engine, create_session_factory, describe

UPGRADE = "run `aftersales db upgrade` first"


class NoDatabase(Exception):
    """The configured database is missing, unreachable or not migrated (the message says which)."""


def quiet_migrations() -> None:
    """Alembic announces its context at INFO on every connection; a command needs none of it."""
    logging.getLogger("alembic").setLevel(logging.WARNING)


def missing_file(settings: Settings) -> str | None:
    """What to say when the database is an SQLite file that does not exist; else None."""
    path = sqlite_path(settings.database_url)
    if path is None or path.exists():
        return None
    return (
        f"No database at {path}: {UPGRADE} (or `aftersales run`), "
        "or point AFTERSALES_DATABASE_URL at the existing one."
    )


async def check_migrated(engine: AsyncEngine, url: str) -> None:
    """Raises NoDatabase unless the database is at the code's migration head."""
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    try:
        current = await migrate.current(engine)
    except (SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        raise NoDatabase(f"Cannot open the database {describe(url)}: {reason}") from None
    if current is None:
        raise NoDatabase(f"The database {describe(url)} has no tables yet: {UPGRADE}.")
    if current != head:
        raise NoDatabase(
            f"The database {describe(url)} is at revision {current}, this version needs "
            f"{head}: {UPGRADE}."
        )


@asynccontextmanager
async def existing_database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine of the configured database, which must exist and be migrated (NoDatabase)."""
    quiet_migrations()
    problem = missing_file(settings)
    if problem is not None:
        raise NoDatabase(problem)
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await check_migrated(engine, settings.database_url)
        yield engine
    finally:
        await engine.dispose()


async def on_existing_database(
    settings: Settings, act: Callable[[async_sessionmaker[AsyncSession]], Awaitable[int]]
) -> int:
    """Runs a command's action with sessions of the existing, migrated database, or refuses."""
    try:
        async with existing_database(settings) as engine:
            return await act(create_session_factory(engine))
    except NoDatabase as exc:
        return refuse(exc)


def refuse(exc: NoDatabase) -> int:
    """Prints what is missing in one line; the exit code of a command that could not start."""
    print(exc, file=sys.stderr)
    return 2
