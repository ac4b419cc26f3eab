"""Fixtures: a database per test (SQLite or a PostgreSQL schema), the local Bot API, the bot."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Sequence, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex, CreateSequence, CreateTable

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from storage.db import create_engine
from storage.models import Base
from tests.harness import BOT_ID, TOKEN, Harness
from tests.world import world

# PTB 22 warns on every RetryAfter unless durations are timedeltas; opt in, as production does.
os.environ.setdefault("PTB_TIMEDELTA", "true")

PG_URL = os.environ.get("AFTERSALES_TEST_DATABASE_URL", "")
USE_PG = os.environ.get("AFTERSALES_TEST_BACKEND") == "postgresql" and bool(PG_URL)


@pytest.fixture(scope="session")
def pg_schema() -> str:
    """A fresh schema name for this run, so parallel runs never collide."""
    return f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@functools.cache
def _pg_ddl() -> str:
    """CREATE statements for the whole schema on PostgreSQL, in create_all's order."""
    dialect = create_engine(PG_URL).dialect  # compiles only; never connects
    parts = [str(CreateSequence(s).compile(dialect=dialect)) for s in _sequences()]
    for table in Base.metadata.sorted_tables:
        parts.append(str(CreateTable(table).compile(dialect=dialect)))
        parts += [str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes]
    return ";\n".join(parts)


def _sequences() -> list[Sequence]:
    """The standalone sequences of the models."""
    return [item for item in Base.metadata._sequences.values() if isinstance(item, Sequence)]


# Emptying the worker's schema, in one round trip: tables the models do not have (a test's
# `alembic stamp` adds alembic_version) are dropped, the rows of the others deleted and the
# sequences that were used set back to their start: the schema is then what the DDL above
# builds (if a model table went missing, the fixture builds the schema again). DELETE, not
# TRUNCATE: a truncated table gets new files, and every new index file is fsynced at commit,
# which on a busy disk took longer than most tests (as creating ~80 indexes per test did).
_PG_EMPTY = """
DO $$
DECLARE
    wanted text[] := %(tables)s;
    target text := %(schema)s;
    row record;
    name text;
BEGIN
    FOR row IN SELECT tablename FROM pg_tables
            WHERE schemaname = target AND NOT tablename = ANY(wanted) LOOP
        EXECUTE format('DROP TABLE %%I.%%I CASCADE', target, row.tablename);
    END LOOP;
    FOREACH name IN ARRAY %(children_first)s LOOP
        EXECUTE format('DELETE FROM %%I.%%I', target, name);
    END LOOP;
    FOR row IN SELECT sequencename, start_value FROM pg_sequences
            WHERE schemaname = target AND last_value IS NOT NULL LOOP
        PERFORM setval(format('%%I.%%I', target, row.sequencename), row.start_value, false);
    END LOOP;
END $$
"""


def _pg_literal(value: str) -> str:
    """A PostgreSQL string literal (names here are ours: letters, digits, underscores)."""
    assert value.replace("_", "").isalnum(), value
    return f"'{value}'"


@functools.cache
def _pg_empty(schema: str) -> str:
    """The script emptying this schema."""
    names = [_pg_literal(table.name) for table in Base.metadata.sorted_tables]
    return _PG_EMPTY % {
        "tables": f"ARRAY[{', '.join(names)}]::text[]",
        # Rows that point at others go first (foreign keys are checked per statement).
        "children_first": f"ARRAY[{', '.join(reversed(names))}]::text[]",
        "schema": _pg_literal(schema),
    }


# The worker's PostgreSQL schemas, the one in use last.
_pg_schemas: list[str] = []


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the full, empty schema, built once per worker (SQLite runs only)."""
    template = tmp_path_factory.mktemp("schema") / "empty.db"
    if USE_PG:
        return template

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{template}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()  # the last connection's close checkpoints the WAL into the file

    asyncio.run(build())
    assert not template.with_name(template.name + "-wal").exists()
    return template


@pytest.fixture
async def db_url_and_schema(
    tmp_path: Path, pg_schema: str, sqlite_template: Path
) -> AsyncIterator[tuple[str, str | None]]:
    """A database URL (and schema) holding the full, empty schema.

    SQLite: a copy of a file built once per worker. PostgreSQL: the worker's own schema, built
    once and emptied before each test (creating ~40 tables a test cost more than most tests,
    and left the catalogs full of dead rows on a server without autovacuum).
    """
    if not USE_PG:
        # A copy of the template: create_all per test cost more than many tests. One file per
        # worker, copied over for each test, so the worker's engine (below) serves every test.
        target = sqlite_template.with_name("test.db")
        for leftover in (target, *(target.with_name(f"test.db{s}") for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(sqlite_template, target)
        yield f"sqlite+aiosqlite:///{target}", None
        return
    schema = _pg_schemas[-1] if _pg_schemas else f"{pg_schema}_w0"
    admin = create_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            tables = [table.name for table in Base.metadata.sorted_tables]
            found = await driver.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)",
                schema,
                tables,
            )
            emptied = found == len(tables)
            if emptied:
                try:
                    async with driver.transaction():
                        # A connection an earlier test left in a transaction would hold its
                        # locks for ever: then this test gets a schema of its own instead.
                        await driver.execute("SET LOCAL lock_timeout = '5s'")
                        await driver.execute(_pg_empty(schema))
                except Exception as exc:  # asyncpg's LockNotAvailableError, untyped here
                    if type(exc).__name__ != "LockNotAvailableError":
                        raise
                    emptied = False
                    schema = f"{pg_schema}_w{len(_pg_schemas)}"
            if not emptied:
                # The models' DDL sent as one script: create_all's statement-by-statement
                # round trips cost ~0.2 s (the schema is the same: test_migrations).
                await driver.execute(
                    f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}";\n'
                    f'SET LOCAL search_path TO "{schema}";\n{_pg_ddl()}'
                )
                if schema not in _pg_schemas:
                    _pg_schemas.append(schema)
    finally:
        await admin.dispose()
    yield PG_URL, schema


@pytest.fixture(scope="session", autouse=True)
def _drop_worker_schema(pg_schema: str) -> Iterator[None]:
    """Drops the worker's PostgreSQL schemas at the end of the run."""
    yield
    if not _pg_schemas:
        return

    async def drop() -> None:
        admin = create_engine(PG_URL)
        async with admin.begin() as conn:
            for schema in _pg_schemas:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()

    asyncio.run(drop())
    _pg_schemas.clear()


# The worker's engines by URL and schema. The database under an engine is emptied for each test
# and its connections closed after it; the engine itself stays, with its compiled statements
# (SQLAlchemy keys them by the engine's dialect, so a new engine a test compiled every
# statement again: a tenth of the suite's time).
_engines: dict[tuple[str, str | None], AsyncEngine] = {}


@pytest.fixture
async def engine(db_url_and_schema: tuple[str, str | None]) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database (the worker's, with no connection open)."""
    url, schema = db_url_and_schema
    created = _engines.get((url, schema))
    if created is None:
        created = _engines[(url, schema)] = create_engine(url, schema=schema)
    yield created
    await created.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says so (Mon 2026-11-23 09:00 Shanghai)."""
    return ManualClock()


@pytest.fixture
async def botapi(clock: ManualClock) -> AsyncIterator[BotApiServer]:
    """The local Bot API server the bot talks to."""
    server = BotApiServer(token=TOKEN, bot_id=BOT_ID, now=lambda: clock.now().timestamp())
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def harness(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Harness]:
    """The real bot, polling the local Bot API server, on the test database."""
    running = Harness(botapi, engine, clock)
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


__all__ = ["world"]  # scenario builders (tests/world.py) for every test that asks for them


def _long_ones_first(items: list[pytest.Item]) -> None:
    """Tests marked `long` go first, the rest in their order.

    xdist hands tests out in this order; a test of fifteen seconds handed out last kept one
    worker busy while the other had nothing left (the SQLite pass ended with ~17 s of one idle
    worker), where first it runs beside the others.
    """
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long tests first (_long_ones_first); on PostgreSQL, only the tests a database backend
    can change the outcome of.

    The PostgreSQL pass repeats the suite for what the database does; a test that never gets
    a test database (domain rules, catalogs, the architecture checks, the commands' own SQLite
    files) runs the same on both passes, and the SQLite pass has run it. Nor do the browser
    tests (`test_*browser.py`): what they add to the HTTP tests of the same pages, which run on
    PostgreSQL, is the browser. A test module that reads USE_PG or PG_URL decides itself and
    always runs.
    """
    _long_ones_first(items)
    if not USE_PG:
        return
    kept: list[pytest.Item] = []
    same_on_both: list[pytest.Item] = []
    for item in items:
        module = getattr(item, "module", None)
        uses_backend = not item.path.name.endswith("browser.py") and (
            "db_url_and_schema" in getattr(item, "fixturenames", ())
            or any(hasattr(module, name) for name in ("USE_PG", "PG_URL"))
        )
        (kept if uses_backend else same_on_both).append(item)
    if same_on_both:
        config.hook.pytest_deselected(items=same_on_both)
        items[:] = kept
