"""Leader election: one active processor per bot token and database (DESIGN §6).

On PostgreSQL the active instance holds a session-level advisory lock on a connection of its
own, kept open for as long as it works. PostgreSQL drops the lock the moment that connection
ends, so when the process (or its machine) dies a standby gets the lock on its next try. TCP
keepalives on the lock connection let the server notice a vanished machine within seconds.

Fencing: losing the lock connection does not stop a process at once, and a standby may take
the lock before the old leader notices. So every transaction of the active work (the pump, the
answers, the outbox sender, the sweeper) proves the lock inside itself just before it commits
(`Fence`): it takes a shared transaction lock on a second key and checks that this instance's
lock connection still holds the leader lock. A new leader takes that second key exclusively
once before it starts, which waits for every transaction of the old leader that passed the
check. So nothing the old leader commits lands after the new leader began; a commit after the
loss fails, and the old leader stops sending and leaves what is unsent to the new one.

On SQLite there is one process per database file by construction (the file is local), so the
instance is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

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
# Inside a transaction of the active work: no new leader has begun (the shared fence lock), and
# this instance's lock connection still holds the leader lock (an advisory lock on a bigint key
# is listed with its high half in classid, its low half in objid and objsubid 1).
FENCE_SQL = text(
    "SELECT pg_try_advisory_xact_lock_shared(:fence) AND EXISTS ("
    "SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = :pid "
    "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :key)"
)
# How long a new leader waits for the old leader's last transactions before ending them.
FENCE_WAIT = "5s"


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
        # The lock's key, the fence's key and the backend holding the lock (see Fence).
        self.key: int | None = None
        self.fence_key: int | None = None
        self.backend_pid: int | None = None
        # Set by the fence when a commit found the lock gone (watch() returns at once).
        self.lost = asyncio.Event()

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
            self.key = key
            self.fence_key = await connection.scalar(KEY_SQL, {"name": f"{self.name}:fence"})
            self.backend_pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            await self._wait_for_old_leader(connection)
        return bool(got)

    async def _wait_for_old_leader(self, connection: AsyncConnection) -> None:
        """Waits until no transaction of a former leader that passed the fence is open.

        Such a transaction holds the fence key shared until it ends; taking it exclusively
        once waits for them all. One that does not end in FENCE_WAIT (a frozen process) has
        its connection ended: it then commits nothing.
        """
        fence = {"fence": self.fence_key}
        await connection.exec_driver_sql(f"SET lock_timeout = '{FENCE_WAIT}'")
        try:
            await connection.execute(text("SELECT pg_advisory_lock(:fence)"), fence)
        except Exception:
            logger.warning("leadership: the former leader's transactions hang; ending them")
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :fence"
                    " AND pid <> pg_backend_pid()"
                ),
                fence,
            )
            await connection.execute(text("SELECT pg_advisory_lock(:fence)"), fence)
        finally:
            await connection.exec_driver_sql("SET lock_timeout = 0")
        await connection.execute(text("SELECT pg_advisory_unlock(:fence)"), fence)

    async def watch(self) -> None:
        """Returns when leadership is lost (the lock connection broke); never on SQLite."""
        if not self.exclusive:
            await asyncio.Event().wait()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.check_seconds):
                    await self.lost.wait()
            connection = self._connection
            try:
                if self.lost.is_set():
                    raise ConnectionError("a commit found the lock gone")
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


class LeadershipLost(Exception):
    """A transaction of the active work found this instance no longer the leader."""


# Where a fenced session finds its fence.
FENCE = "aftersales_fence"


class Fence:
    """Refuses the commit of active work once this instance may no longer be the leader."""

    def __init__(self, leadership: Leadership) -> None:
        self.leadership = leadership

    @property
    def holds(self) -> bool:
        """False once a commit found the lock gone or the lock watch lost it."""
        return not self.leadership.lost.is_set() and (
            self.leadership.held or not self.leadership.exclusive
        )

    def sessions(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        """Sessions whose every commit proves the lock first (as storage.db's otherwise)."""
        return async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=FencedSession, info={FENCE: self}
        )

    def check(self, session: Session) -> None:
        """Raises LeadershipLost unless the lock is proven held inside the transaction."""
        lock = self.leadership
        if not lock.exclusive:
            return
        if lock.lost.is_set() or lock.backend_pid is None:
            raise LeadershipLost("this instance is not the leader")
        held = session.execute(
            FENCE_SQL, {"fence": lock.fence_key, "pid": lock.backend_pid, "key": lock.key}
        ).scalar()
        if not held:
            logger.critical("leadership lost: a commit found the lock gone")
            lock.lost.set()
            raise LeadershipLost("the leader lock is gone")


class FencedSession(Session):
    """A session of the active work; see Fence."""


@event.listens_for(FencedSession, "before_commit")
def _prove_lock(session: Session) -> None:
    """Checks the fence of the session's factory, if it has one."""
    fence: Any = session.info.get(FENCE)
    if isinstance(fence, Fence):
        fence.check(session)


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
