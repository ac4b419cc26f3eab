"""Engine and session factory; SQLite is tuned so concurrent writers wait instead of failing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from storage.sqlite_driver import BEGIN_WRITE, one_hop_dbapi

logger = logging.getLogger(__name__)

# Execution option marking sessions that only read (see read_sessions).
READ_ONLY = "aftersales_read_only"


def create_engine(
    url: str, *, schema: str | None = None, echo: bool = False, one_hop: bool = True
) -> AsyncEngine:
    """Creates the async engine; `schema` puts PostgreSQL tables in their own search path.

    `one_hop=False` keeps SQLAlchemy's stock aiosqlite driver (bench: the driver's worth).
    """
    parsed = make_url(url)
    # Errors and echo must never print statement parameters: they hold phones and addresses.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        # Statements of a write transaction run on the event loop's thread (sqlite_driver).
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if one_hop and parsed.get_driver_name() == "aiosqlite":
            kwargs["module"] = one_hop_dbapi()
        engine = create_async_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    # The name pg_stat_activity shows the bot's sessions by (with the schema, when one is set).
    server_settings = {"application_name": application_name(schema)}
    if schema:
        server_settings["search_path"] = schema
    kwargs["connect_args"] = {"server_settings": server_settings}
    # The pump works up to 16 chats at once (bot.pump), each holding a connection for its
    # transaction, beside the sender, the sweeper, the pump's own polls and the web app. The
    # pool keeps about that many open: connections opened beyond pool_size are closed on
    # return, and under load the churn of opening them again cost more CPU than the statements
    # (bench: throughput, with 32 chats and a pool of 20). Not more: `aftersales run` opens
    # them all at start (fill_pool), and PostgreSQL's default is 100 connections in all,
    # shared with a standby instance and the command line.
    kwargs["pool_size"] = 20
    kwargs["max_overflow"] = 10
    # The connection returned last is handed out next: at an ordinary pace a few connections
    # serve everything and keep their prepared statements and PostgreSQL's per-backend caches
    # warm, instead of every update taking the one that sat idle longest (bench: throughput,
    # think 1 s, five runs each: p99 37-50 ms with, 41-63 ms without; within the noise here).
    kwargs["pool_use_lifo"] = True
    engine = create_async_engine(url, **kwargs)
    _replace_closed_connections(engine)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection the server has ended (a restart, a killed session) is not handed out.

    The driver learns of the end when the server closes the socket; the pool then opens a new
    connection instead. Not pool_pre_ping: it asks the server on every checkout, in a
    transaction of its own with asyncpg (three round trips, a twentieth of the CPU of the
    PostgreSQL test pass: py-spy). A connection cut without a word (a network gone) fails its
    first statement either way.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        driver = record.driver_connection
        if driver is not None and driver.is_closed():
            raise DisconnectionError("connection closed by the server")


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL, a busy timeout, and BEGIN IMMEDIATE so a reader never deadlocks on upgrade."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so our BEGIN is the one used.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A reader (read_sessions) takes a snapshot and no lock: in WAL it never waits.
        deferred = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if deferred else BEGIN_WRITE)


def application_name(schema: str | None = None) -> str:
    """How PostgreSQL lists the bot's connections (pg_stat_activity.application_name)."""
    return f"aftersales/{schema}" if schema else "aftersales"


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def read_sessions(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Sessions of the same database for transactions that only read.

    On SQLite they begin without taking the write lock, so a poll of the inbox or the outbox
    never waits behind a writer (in SQLite's busy handler, which sleeps). Only for reads: a
    write would have to upgrade the lock and could fail instead of waiting. On PostgreSQL
    they run without BEGIN and ROLLBACK (autocommit): under READ COMMITTED each statement
    sees what was committed when it started either way, and a poll is one round trip, not
    three.
    """
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        return sessions
    options = {key: value for key, value in sessions.kw.items() if key != "bind"}
    if bind.dialect.name != "sqlite":
        return async_sessionmaker(bind.execution_options(isolation_level="AUTOCOMMIT"), **options)
    return async_sessionmaker(bind.execution_options(**{READ_ONLY: True}), **options)


async def fill_pool(engine: AsyncEngine) -> int:
    """Opens the pool's connections now; returns how many are open.

    A PostgreSQL connection costs a round trip or five and some CPU to open; opened lazily, the
    first busy minute after a start pays for all of them at once while customers wait (bench:
    throughput, first steps ~0.2 s slower at p95 than the rest). Called once by `aftersales run`.
    """
    size = getattr(engine.sync_engine.pool, "size", None)
    count = size() if callable(size) else 0
    async with contextlib.AsyncExitStack() as stack:  # all held at once, then back to the pool
        opened = await asyncio.gather(
            *(stack.enter_async_context(engine.connect()) for _ in range(count)),
            return_exceptions=True,
        )
    for outcome in opened:
        if isinstance(outcome, BaseException):
            raise outcome
    return count


def describe(url: str) -> str:
    """The database location without its password, for the start-up log."""
    return make_url(url).render_as_string(hide_password=True)
