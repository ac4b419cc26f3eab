"""SQLAlchemy's aiosqlite driver, with one thread hand-off per statement instead of four.

aiosqlite runs every sqlite3 call on its connection's own thread, and SQLAlchemy's adapter
makes four such calls per statement (open a cursor, execute, fetch the rows, close the cursor).
Each hand-off costs the event loop a future, a wake-up through its self-pipe and a greenlet
switch, and under SQLite's single writer those waits add up while the write lock is held
(bench: throughput, ~30 hand-offs per conversation step). Here a statement is one function run
on that thread: execute, fetch everything, note rowcount/lastrowid/description, close.

Inside a write transaction (after BEGIN IMMEDIATE has returned, until its COMMIT or ROLLBACK)
statements run at once on the caller's thread instead: the transaction holds SQLite's write
lock, so in WAL mode nothing it runs waits for a lock, and its statements are small indexed
reads and writes that take microseconds, less than a hand-off, which under load also waits for
its turn on the event loop while the one writer is held (bench: the fault report's Confirm
held the writer 14 → 11 ms at p50). BEGIN (which may wait for the lock in SQLite's busy
handler), COMMIT (which writes and may checkpoint the log), bulk inserts and every statement
of a read transaction still go to the connection's thread, so the event loop never waits for
a lock or the disk. The sqlite3 connection is opened with check_same_thread=False for this;
the two threads never use it at once (each call is awaited).

Relies on internals of two libraries, listed in INTERNALS: SQLAlchemy's `AsyncAdapt_aiosqlite_*`
classes and aiosqlite's `Connection._execute` (its queue onto the connection thread) and
`_conn`. They are pinned by the project's version ranges; tests/storage/test_sqlite_driver.py
names any of them an upgrade removed or reshaped, and the whole test suite runs on SQLite.
Kept because the product is much slower without it (issue #16: `python -m bench.run --only
throughput --sqlite-stock` runs both drivers side by side; `create_engine(one_hop=False)`
is the stock driver).
"""

from __future__ import annotations

import collections
import inspect
import sqlite3
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

# The statement that opens a write transaction (storage.db's "begin" listener).
BEGIN_WRITE = "BEGIN IMMEDIATE"

# Every undocumented attribute this module overrides, calls or reads: (owner, name, the
# parameter names of a method, or None for an attribute).
INTERNALS: tuple[tuple[type, str, tuple[str, ...] | None], ...] = (
    (AsyncAdapt_aiosqlite_dbapi, "__init__", ("self", "aiosqlite", "sqlite")),
    (AsyncAdapt_aiosqlite_dbapi, "connect", ("self", "arg", "kw")),
    (AsyncAdapt_aiosqlite_connection, "__init__", ("self", "dbapi", "connection")),
    (AsyncAdapt_aiosqlite_connection, "_cursor_cls", None),
    (AsyncAdapt_aiosqlite_connection, "_connection", None),
    (AsyncAdapt_aiosqlite_connection, "_execute_mutex", None),
    (AsyncAdapt_aiosqlite_cursor, "_awaitable_cursor_close", None),
    (AsyncAdapt_aiosqlite_cursor, "_make_new_cursor", ("self", "connection")),
    (AsyncAdapt_aiosqlite_cursor, "_aenter_cursor", ("self", "cursor")),
    (AsyncAdapt_aiosqlite_cursor, "_execute_async", ("self", "operation", "parameters")),
    (
        AsyncAdapt_aiosqlite_cursor,
        "_executemany_async",
        ("self", "operation", "seq_of_parameters"),
    ),
    (AsyncAdapt_aiosqlite_cursor, "_adapt_connection", None),
    (AsyncAdapt_aiosqlite_cursor, "_connection", None),
    (AsyncAdapt_aiosqlite_cursor, "_cursor", None),
    (AsyncAdapt_aiosqlite_cursor, "_rows", None),
    (aiosqlite.Connection, "_execute", ("self", "fn", "args", "kwargs")),
    (aiosqlite.Connection, "_conn", None),
)


def changed_internals() -> list[str]:
    """The INTERNALS that the installed SQLAlchemy and aiosqlite no longer have as listed."""
    changed = []
    for owner, name, parameters in INTERNALS:
        where = f"{owner.__module__}.{owner.__qualname__}.{name}"
        if not hasattr(owner, name):
            changed.append(f"{where}: gone")
        elif parameters is not None:
            found = tuple(inspect.signature(getattr(owner, name)).parameters)
            if found != parameters:
                changed.append(f"{where}: takes {found}, the driver expects {parameters}")
    return changed


class _Outcome:
    """What a statement left on its sqlite3 cursor, read on the connection thread."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        """The sqlite3 cursor was closed on its thread already."""


def _run(
    connection: sqlite3.Connection, outcome: _Outcome, statement: list[Any], many: bool
) -> list[Any] | None:
    """Runs one statement on the connection thread; its rows, if it returns any.

    `statement` is [operation, parameters], emptied here: aiosqlite's thread keeps its last
    call until the next one, and it must not keep a bulk insert's parameters alive with it
    (bench: memory, +60 MB held after loading 100 k cases).
    """
    operation, parameters = statement
    statement.clear()
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        outcome.description = cursor.description
        rows = cursor.fetchall() if cursor.description else None
        outcome.rowcount = cursor.rowcount
        outcome.lastrowid = cursor.lastrowid
        return rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in a single hop to the connection thread."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Outcome()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        connection = cast(OneHopConnection, self._adapt_connection)
        async with connection._execute_mutex:
            if connection._holds_writer:
                # No lock to wait for and no file to sync: run it here, without a hand-off.
                statement = [operation, parameters]
                rows = _run(self._connection._conn, cast(_Outcome, self._cursor), statement, False)
            else:
                rows = await self._connection._execute(
                    _run,
                    self._connection._conn,
                    self._cursor,
                    [operation, parameters],
                    False,
                )
                if operation == BEGIN_WRITE:
                    connection._holds_writer = True
            if rows is not None:
                self._rows = collections.deque(rows)
            return self._cursor

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            return await self._connection._execute(
                _run,
                self._connection._conn,
                self._cursor,
                [operation, seq_of_parameters],
                True,
            )


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The adapted connection handing out one-hop cursors (server-side ones unchanged)."""

    __slots__ = ("_holds_writer",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # Between a BEGIN IMMEDIATE that returned and the end of its transaction.
        self._holds_writer = False

    def commit(self) -> None:
        self._holds_writer = False
        super().commit()

    def rollback(self) -> None:
        self._holds_writer = False
        super().rollback()

    def close(self) -> None:
        self._holds_writer = False
        super().close()


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module passed to create_engine(module=...) for SQLite."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> OneHopDbapi:
    """A fresh module object, as SQLAlchemy's own dialect builds one per engine."""
    return OneHopDbapi(aiosqlite, sqlite3)
