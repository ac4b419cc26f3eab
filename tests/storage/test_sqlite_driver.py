"""The one-hop SQLite driver behaves as a DBAPI cursor must (SQLite only)."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy
from sqlalchemy import Connection, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_cursor
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import READ_ONLY, create_engine
from storage.sqlite_driver import OneHopCursor, changed_internals


def test_the_library_internals_the_driver_relies_on_are_unchanged() -> None:
    """Fails by name when an upgrade of SQLAlchemy or aiosqlite reshaped what the driver uses."""
    changed = changed_internals()
    assert not changed, (
        "storage/sqlite_driver.py relies on internals of SQLAlchemy "
        f"{sqlalchemy.__version__} and aiosqlite {aiosqlite.__version__} that changed:\n  "
        + "\n  ".join(changed)
        + "\nAdapt the driver to them (its INTERNALS list), or measure the product without it "
        "(python -m bench.run --size full --only throughput --sqlite-stock) and, unless it is "
        "more than 15 % slower, drop it (create_engine(one_hop=False) is the stock driver)."
    )


def test_a_changed_internal_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(aiosqlite.Connection, "_execute")
    monkeypatch.setattr(
        AsyncAdapt_aiosqlite_cursor, "_execute_async", lambda self, operation: None
    )
    assert changed_internals() == [
        "sqlalchemy.dialects.sqlite.aiosqlite.AsyncAdapt_aiosqlite_cursor._execute_async: "
        "takes ('self', 'operation'), the driver expects ('self', 'operation', 'parameters')",
        "aiosqlite.core.Connection._execute: gone",
    ]


async def test_statements_rows_counts_and_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
            assert inserted.lastrowid == 1
            await conn.execute(
                text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}, {"v": "d"}]
            )
            changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
            assert changed.rowcount == 3
            returned = await conn.execute(text("DELETE FROM t WHERE id >= 3 RETURNING v"))
            assert sorted(returned.scalars()) == ["c!", "d!"]
            rows = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
            assert rows.keys() == ["id", "v"]
            assert rows.all() == [(1, "a"), (2, "b!")]
            adapted = (await conn.get_raw_connection()).dbapi_connection
            assert adapted is not None
            assert isinstance(adapted.cursor(), OneHopCursor)
        async with engine.connect() as conn:
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
            await conn.rollback()
            with pytest.raises(OperationalError):
                await conn.execute(text("SELECT nothing FROM nowhere"))
    finally:
        await engine.dispose()


class _Rows(list[tuple[str]]):
    """A parameter list that can be watched with a weak reference."""


async def test_a_bulk_insert_s_parameters_are_not_kept(tmp_path: Path) -> None:
    """aiosqlite's thread holds its last call until the next: not the parameters with it."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT)"))

            def insert(sync: Any) -> weakref.ref[_Rows]:
                rows = _Rows([("x" * 100,)] * 1000)
                sync.connection.dbapi_connection.cursor().executemany(
                    "INSERT INTO t (v) VALUES (?)", rows
                )
                return weakref.ref(rows)

            watched = await conn.run_sync(insert)
            gc.collect()
            assert watched() is None
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1000
    finally:
        await engine.dispose()


async def test_a_write_transaction_runs_its_statements_without_a_hand_off(tmp_path: Path) -> None:
    """BEGIN waits for the lock on the connection's thread; the statements after it do not."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    reads = engine.execution_options(**{READ_ONLY: True})

    def where_am_i() -> str:
        return threading.current_thread().name

    async def thread_of(conn: AsyncConnection) -> str:
        def register(sync: Connection) -> None:
            sync.connection.dbapi_connection.create_function(  # type: ignore[union-attr]
                "where_am_i", 0, where_am_i
            )

        await conn.run_sync(register)
        return str(await conn.scalar(text("SELECT where_am_i()")))

    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
            assert await thread_of(conn) == threading.current_thread().name
        async with reads.connect() as conn:
            assert await thread_of(conn) != threading.current_thread().name
        # A second writer waits for the first in SQLite's busy handler, off the event loop.
        ticks = 0
        async with engine.begin() as first:
            await first.execute(text("INSERT INTO t VALUES (1)"))

            async def second() -> None:
                async with engine.begin() as conn:
                    await conn.execute(text("INSERT INTO t VALUES (2)"))

            waiting = asyncio.create_task(second())
            for _ in range(5):
                await asyncio.sleep(0.02)
                ticks += 1
            assert not waiting.done()
        await waiting
        assert ticks == 5
        async with reads.connect() as conn:
            assert (await conn.execute(text("SELECT v FROM t ORDER BY v"))).scalars().all() == [
                1,
                2,
            ]
    finally:
        await engine.dispose()
