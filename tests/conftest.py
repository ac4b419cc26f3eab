"""Fixtures: a database per test (SQLite or a PostgreSQL schema), the local Bot API, the bot."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Sequence, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex, CreateSequence, CreateTable

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from storage.db import create_engine
from storage.models import Base
from tests.harness import Harness
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


@pytest.fixture
async def db_url_and_schema(
    tmp_path: Path, pg_schema: str
) -> AsyncIterator[tuple[str, str | None]]:
    """A database URL (and schema) holding the full, empty schema."""
    if not USE_PG:
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()
        yield url, None
        return
    schema = f"{pg_schema}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        # The models' DDL sent as one script: create_all's statement-by-statement round trips
        # and table checks cost ~0.2 s a test (the schema is the same: test_migrations).
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute(f'SET LOCAL search_path TO "{schema}";\n{_pg_ddl()}')
    yield PG_URL, schema
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture
async def engine(db_url_and_schema: tuple[str, str | None]) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database."""
    url, schema = db_url_and_schema
    created = create_engine(url, schema=schema)
    yield created
    await created.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says so (Mon 2026-11-23 09:00 Shanghai)."""
    return ManualClock()


@pytest.fixture
async def botapi(clock: ManualClock) -> AsyncIterator[BotApiServer]:
    """The local Bot API server the bot talks to."""
    server = BotApiServer(now=lambda: clock.now().timestamp())
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
