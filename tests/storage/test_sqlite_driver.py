"""The one-hop SQLite driver behaves as a DBAPI cursor must (SQLite only)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import create_engine
from storage.sqlite_driver import OneHopCursor


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
