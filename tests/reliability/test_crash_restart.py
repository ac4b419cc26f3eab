"""Crash and restart: the bot process is SIGKILLed during a burst of 50 concurrent reports.

A real `aftersales run` subprocess (tests/process_harness.py) talks to the local Bot API
server. Mid-burst it is killed without warning and a fresh process is started on the same
database: no acknowledged update is lost, no case is registered twice, every dialog goes on
from where it was.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from sandbox.botapi import BotApiServer
from sandbox.users import SandboxUser
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Base, Case, CaseEvent, Customer, InboxUpdate
from tests.conftest import PG_URL, USE_PG
from tests.factories import make_customer, make_product
from tests.harness import BOT_ID, TOKEN
from tests.process_harness import BotProcess, Step, bot_environment, drive, press
from tests.process_harness import text as say

RUNNING = "aftersales is running"
CUSTOMERS = 50
FIRST_ID = 61_000


def _build(sync: Connection) -> None:
    """The current tables, stamped as migrated so `aftersales run` leaves them be."""
    Base.metadata.create_all(sync)
    command.stamp(migrate.alembic_config(sync), "head")


@pytest.fixture
async def target(tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    """The bots' database: a SQLite file, or a PostgreSQL schema when the backend says so."""
    if not USE_PG:
        url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_build)
        await engine.dispose()
        yield url, None
        return
    schema = f"crash_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(PG_URL, schema=schema)
    async with engine.begin() as conn:
        await conn.run_sync(_build)
    await engine.dispose()
    try:
        yield PG_URL, schema
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def database(target: tuple[str, str | None]) -> AsyncIterator[AsyncEngine]:
    """The test's own connection to the bot's database."""
    url, schema = target
    engine = create_engine(url, schema=schema)
    yield engine
    await engine.dispose()


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    """The local Bot API server, on real time (the bot process runs on the system clock)."""
    api = BotApiServer(token=TOKEN, bot_id=BOT_ID)
    await api.start()
    yield api
    await api.stop()


def report_steps(index: int) -> list[Step]:
    """A registered customer's fault report on their own product, to the end."""
    return [
        say("/report"),
        press(f"SN-CR-{index}"),
        say(f"Crash fault {index}: the unit hums and stops"),
        press("Continue"),
        say(f"{index} Restart Road, Pudong"),
        press("Tomorrow by 18:00"),
        press("Confirm"),
    ]


@pytest.mark.long
async def test_sigkill_mid_burst_loses_nothing_and_duplicates_nothing(
    server: BotApiServer,
    target: tuple[str, str | None],
    database: AsyncEngine,
    tmp_path: Path,
) -> None:
    url, schema = target
    sessions = create_session_factory(database)
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        for index in range(CUSTOMERS):
            customer = await make_customer(
                session, telegram_id=FIRST_ID + index, now=now, name=f"Customer {index}"
            )
            await make_product(session, serial=f"SN-CR-{index}", now=now, customer=customer)
    env = bot_environment(server, database_url=url, schema=schema)
    first = BotProcess("bot-1", env, tmp_path / "run1")
    second = BotProcess("bot-2", env, tmp_path / "run2")
    await first.start()
    try:
        await first.wait_for_log(RUNNING)
        users = [SandboxUser(server, FIRST_ID + i, f"Customer{i}") for i in range(CUSTOMERS)]
        total = CUSTOMERS * len(report_steps(0))
        progress = {"steps": 0}
        midway = asyncio.Event()

        def step_done() -> None:
            progress["steps"] += 1
            if progress["steps"] >= total * 2 // 5:
                midway.set()

        burst = asyncio.gather(
            *(
                drive(sessions, user, report_steps(i), done=step_done)
                for i, user in enumerate(users)
            )
        )
        await asyncio.wait_for(midway.wait(), 60)
        await first.kill()
        killed_after = progress["steps"]
        await second.start()
        await second.wait_for_log(RUNNING)
        update_ids = [u for ids in await asyncio.wait_for(burst, 120) for u in ids]
    finally:
        await first.stop()
        await second.stop()

    assert killed_after < total, "the kill came after the burst; nothing was tested"
    async with sessions() as session:
        inbox_rows = list(await session.scalars(select(InboxUpdate)))
        cases = list(await session.scalars(select(Case)))
        creates = await session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "create")
        )
        rows = (await session.execute(select(Customer.id, Customer.telegram_id))).all()
        owners = {cid: tid for cid, tid in rows if tid is not None}
    # No acknowledged update lost: each is stored once and processed without error.
    assert all(server.updates.is_acknowledged(u) for u in update_ids)
    stored = Counter(row.update_id for row in inbox_rows)
    assert set(update_ids) <= set(stored) and max(stored.values()) == 1
    assert [r.update_id for r in inbox_rows if r.processed_at is None or r.error] == []
    # No case twice, and every dialog resumed to its end with what the customer typed.
    assert len(cases) == CUSTOMERS and creates == CUSTOMERS
    assert sorted(owners[c.customer_id] - FIRST_ID for c in cases) == list(range(CUSTOMERS))
    for case in cases:
        index = owners[case.customer_id] - FIRST_ID
        assert case.description == f"Crash fault {index}: the unit hums and stops"
        assert case.address == f"{index} Restart Road, Pudong"
    for index, user in enumerate(users):
        assert any("Your request is registered as" in t for t in user.texts()), index
    assert not second.logged("Traceback"), second.log()
