"""What every benchmark shares: databases, a reply-counting sandbox, percentiles, memory."""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sandbox.botapi import BotApiServer
from sandbox.params import Upload
from storage.db import create_engine
from storage.models import Base

TOKEN = "123456:TEST"
PG_ENV = ("AFTERSALES_BENCH_DATABASE_URL", "AFTERSALES_TEST_DATABASE_URL")


def pg_url() -> str | None:
    """The PostgreSQL server to benchmark on, if one is configured."""
    for name in PG_ENV:
        value = os.environ.get(name)
        if value:
            return value
    return None


# The SQLite backend on SQLAlchemy's stock aiosqlite driver instead of storage.sqlite_driver.
SQLITE_STOCK = "sqlite-stock"


# The catalogs that creating and dropping schemas leaves dead rows in. They are vacuumed before
# each PostgreSQL run: the test suite creates and drops a schema per test, and on a server
# without autovacuum (this project's CI machine) nothing else removes them, and runs after the
# suite were slower (bench: throughput, 100 customers thinking 1 s, p99 of three runs:
# 140-160 ms with ~190 k dead rows in pg_attribute, 52-94 ms after a vacuum).
CHURNED_CATALOGS = tuple(
    f"pg_catalog.{name}"
    for name in (
        "pg_attribute",
        "pg_depend",
        "pg_class",
        "pg_type",
        "pg_constraint",
        "pg_index",
        "pg_trigger",
        "pg_attrdef",
        "pg_sequence",
        "pg_namespace",
    )
)


@dataclass
class Database:
    """A freshly created, empty benchmark database and where it lives."""

    backend: str
    engine: AsyncEngine
    url: str
    schema: str | None


@asynccontextmanager
async def database(backend: str) -> AsyncIterator[Database]:
    """An empty database with the full schema (a temp SQLite file or a PostgreSQL schema)."""
    if backend in ("sqlite", SQLITE_STOCK):
        with tempfile.TemporaryDirectory(prefix="aftersales-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            engine = create_engine(url, one_hop=backend != SQLITE_STOCK)
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            try:
                yield Database(backend, engine, url, None)
            finally:
                await engine.dispose()
        return
    configured = pg_url()
    if configured is None:
        raise RuntimeError("no PostgreSQL configured (AFTERSALES_BENCH_DATABASE_URL)")
    url = configured
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    async with admin.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(
            text(f"VACUUM {', '.join(CHURNED_CATALOGS)}")
        )
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, schema=schema)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield Database(backend, engine, url, schema)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


class CountingServer(BotApiServer):
    """The sandbox Bot API server, also counting new messages per chat and waking waiters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: defaultdict[int, int] = defaultdict(int)
        self.sent_log: list[tuple[float, int]] = []
        self._waiters: defaultdict[int, list[tuple[int, asyncio.Future[None]]]] = defaultdict(list)

    async def _dispatch(
        self, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> Any:
        result = await super()._dispatch(method, params, uploads)
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            self.sent[chat_id] += 1
            self.sent_log.append((time.perf_counter(), chat_id))
            waiting = self._waiters.get(chat_id)
            if waiting:
                keep = []
                for target, future in waiting:
                    if self.sent[chat_id] >= target and not future.done():
                        future.set_result(None)
                    elif not future.done():
                        keep.append((target, future))
                self._waiters[chat_id] = keep
        return result

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Waits until the bot has sent `count` new messages to the chat in total."""
        if self.sent[chat_id] >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[chat_id].append((count, future))
        await asyncio.wait_for(future, timeout)


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """The current resident set size of this process, in MB (Linux; else the peak)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return peak_rss_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded for the report."""
    return round(seconds * 1000, 2)
