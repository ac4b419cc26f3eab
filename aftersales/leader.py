"""Leader election: one active processor per bot token and database (DESIGN §6).

On PostgreSQL the active instance holds a session-level advisory lock on a connection of its
own, kept open for as long as it works. PostgreSQL drops the lock the moment that connection
ends, so when the process (or its machine) dies a standby gets the lock on its next try. TCP
keepalives on the lock connection let the server notice a vanished machine within seconds.

On SQLite there is one process per database file by construction (the file is local), so the
instance is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

# The key covers database and schema: two departments (or two test runs) sharing a server
# must not block each other.
KEY_SQL = text(
    "SELECT hashtextextended("
    ":name || '/' || current_database() || '/' || coalesce(current_schema(), ''), 0)"
)
# The server notices a dead client after about idle + interval * count seconds.
KEEPALIVE = (
    "SET tcp_keepalives_idle = 4",
    "SET tcp_keepalives_interval = 2",
    "SET tcp_keepalives_count = 3",
)
LEADER_APPLICATION_NAME = "aftersales-leader"


def lock_name(bot_token: str | None) -> str:
    """The lock's name: the bot's numeric id (the token before ':'), never the secret."""
    bot_id = (bot_token or "").split(":", 1)[0]
    return f"aftersales:{bot_id}"


class Leadership:
    """Whether this instance may do the active work, and the lock that proves it."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        name: str,
        retry_seconds: float = 2.0,
        check_seconds: float = 1.0,
        check_timeout: float = 5.0,
    ) -> None:
        self.engine = engine
        self.name = name
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.check_timeout = check_timeout
        self.held = False
        self._connection: AsyncConnection | None = None

    @property
    def exclusive(self) -> bool:
        """True when several instances may share the database and must elect a leader."""
        return self.engine.dialect.name == "postgresql"

    async def acquire(self) -> None:
        """Waits until this instance is the leader (at once on SQLite)."""
        if not self.exclusive:
            self.held = True
            return
        announced = False
        while not await self.try_acquire():
            if not announced:
                logger.info("leadership: another instance is active; this one is standby")
                announced = True
            await asyncio.sleep(self.retry_seconds)

    async def try_acquire(self) -> bool:
        """One attempt at becoming the leader; True if this instance now is."""
        if not self.exclusive:
            self.held = True
            return True
        try:
            if await self._try_lock():
                self.held = True
                logger.info("leadership acquired: this instance is active")
                return True
        except Exception as exc:  # any failure: no proof of the lock, try again later
            logger.warning("leadership: database unreachable (%s); retrying", exc)
            await self._drop()
        return False

    async def _try_lock(self) -> bool:
        """One attempt at the lock on the dedicated connection."""
        if self._connection is None:
            connection = await self.engine.connect()
            # Autocommit: a lock connection must never sit idle inside a transaction.
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for statement in KEEPALIVE:
                await self._connection.exec_driver_sql(statement)
        connection = self._connection
        key = await connection.scalar(KEY_SQL, {"name": self.name})
        got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        if got:
            # Lets an operator (and the failover test) see which process is active.
            await connection.exec_driver_sql(
                f"SET application_name = '{LEADER_APPLICATION_NAME}:{os.getpid()}'"
            )
        return bool(got)

    async def watch(self) -> None:
        """Returns when leadership is lost (the lock connection broke); never on SQLite."""
        if not self.exclusive:
            await asyncio.Event().wait()
        while True:
            await asyncio.sleep(self.check_seconds)
            connection = self._connection
            try:
                if connection is None:
                    raise ConnectionError("no lock connection")
                async with asyncio.timeout(self.check_timeout):
                    await connection.exec_driver_sql("SELECT 1")
            except Exception as exc:  # whatever broke, the lock can no longer be proven held
                logger.critical("leadership lost (%s)", exc)
                self.held = False
                await self._drop()
                return

    async def release(self) -> None:
        """Gives the lock up, so a standby takes over at once."""
        self.held = False
        await self._drop()

    async def _drop(self) -> None:
        """Closes the lock connection for good; closing it is what frees the lock."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        # Invalidate rather than return it to the pool, where the lock would live on.
        with contextlib.suppress(Exception):
            await connection.invalidate()
        with contextlib.suppress(Exception):
            await connection.close()


@contextlib.asynccontextmanager
async def migration_guard(engine: AsyncEngine) -> AsyncIterator[None]:
    """Serializes migrations of instances starting together on one PostgreSQL database."""
    if engine.dialect.name != "postgresql":
        yield
        return
    connection = await engine.connect()
    try:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        key = await connection.scalar(KEY_SQL, {"name": "aftersales:migrations"})
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            yield
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        await connection.close()
