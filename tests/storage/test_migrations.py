"""Alembic history: every revision upgrades from empty and from each earlier one, and back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Base
from storage.repos import cases as case_rows
from tests.conftest import PG_URL, USE_PG


def revisions_oldest_first() -> list[str]:
    """Every revision of the history, from the first to head."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture
async def empty_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database (a fresh schema on PostgreSQL)."""
    if not USE_PG:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        await engine.dispose()
        return
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(PG_URL, schema=schema)
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def tables(engine: AsyncEngine) -> set[str]:
    """The tables the database holds, without Alembic's own."""
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def differences(engine: AsyncEngine) -> list[Any]:
    """What autogenerate would change to make the database match the models."""

    def compare(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(sync, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


async def test_history_upgrades_and_downgrades_step_by_step(empty_engine: AsyncEngine) -> None:
    history = revisions_oldest_first()
    assert history, "the migration history is empty"
    for revision in history:
        await migrate.upgrade(empty_engine, revision)
        assert await migrate.current(empty_engine) == revision
    assert await tables(empty_engine) == set(Base.metadata.tables)
    for previous in [*reversed(history[:-1]), "base"]:
        await migrate.downgrade(empty_engine, "-1")
        assert await migrate.current(empty_engine) == (None if previous == "base" else previous)
    assert await tables(empty_engine) == set()
    await migrate.upgrade(empty_engine)
    assert await migrate.current(empty_engine) == history[-1]


@pytest.mark.parametrize("start", revisions_oldest_first())
async def test_every_revision_upgrades_to_head(empty_engine: AsyncEngine, start: str) -> None:
    await migrate.upgrade(empty_engine, start)
    await migrate.upgrade(empty_engine)
    assert await migrate.current(empty_engine) == revisions_oldest_first()[-1]


async def test_migrated_schema_matches_the_models(empty_engine: AsyncEngine) -> None:
    await migrate.upgrade(empty_engine)
    assert await differences(empty_engine) == []


async def test_migrated_schema_numbers_cases(empty_engine: AsyncEngine) -> None:
    """Autogenerate does not see sequences: the migration must create PostgreSQL's by hand."""
    await migrate.upgrade(empty_engine)
    sessions = create_session_factory(empty_engine)
    async with sessions() as session, session.begin():
        number = await case_rows.next_case_number(session, day=date(2026, 11, 24))
        complaint = await case_rows.next_case_number(session, day=date(2026, 11, 24), series="CP")
    assert (number, complaint) == ("SR-20261124-0001", "CP-20261124-0001")
    await migrate.downgrade(empty_engine, "base")
    if not USE_PG:
        return  # SQLite has no sequences
    async with empty_engine.connect() as conn:
        left = await conn.run_sync(lambda sync: inspect(sync).get_sequence_names())
    assert left == []


async def test_the_test_schema_matches_the_models(engine: AsyncEngine) -> None:
    """The tests' own schema (on PostgreSQL one DDL script, tests/conftest.py) is the models'."""
    assert await differences(engine) == []
