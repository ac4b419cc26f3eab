"""Sweep cost versus history: the same due work among 10 k and among 1 M historical cases.

History is bulk-loaded (executemany on SQLite, COPY on PostgreSQL): closed cases, each with
its creation event and its fired reminder. The due work is `due` open cases with one due
reminder each, of a benchmark-only kind whose handler does nothing, so the time measured is
the sweep's own: finding, claiming and dispatching due rows.

Each history size gets its own database, loaded and then settled the way a long-lived one is
(statistics gathered; on PostgreSQL also vacuumed and checkpointed, so autovacuum and the
checkpointer are not still digesting the load while the sweeps are timed). The sweeps then run
interleaved across the databases (ABBA order), REPEATS rounds: load on a shared machine drifts
over minutes and would otherwise land on one size only. The ratio is taken between the best
sweeps (the sweep's own cost; other processes only ever add to it), the medians' ratio beside.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bench.common import Database, database, ms
from core.clock import ManualClock
from core.settings import Settings
from scheduler.registry import JobContext, handles
from scheduler.sweep import Sweeper
from services.policy import policy_from
from storage.db import create_session_factory
from storage.models import Case, CaseEvent, Customer, Reminder

logger = logging.getLogger(__name__)

BENCH_KIND = "bench"
CHUNK = 50_000
# Timed sweeps per history size, interleaved across the sizes.
REPEATS = 9
# Timed monthly reports per history size (the median is reported).
REPORT_REPEATS = 3
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 730 * 86_400
DUE_IDS = 2_000_000_000
# The month the report benchmark asks for (Asia/Shanghai month boundaries, in UTC).
REPORT_MONTH = (datetime(2025, 5, 31, 16, tzinfo=UTC), datetime(2025, 6, 30, 16, tzinfo=UTC))


@handles(BENCH_KIND)
async def _noop(context: JobContext, reminder: Reminder) -> None:
    """Does nothing: the benchmark measures the sweep, not a feature's handler."""


def _history_rows(start: int, stop: int, customer_id: int) -> Iterator[dict[str, Any]]:
    """Closed fault cases spread evenly (pseudo-randomly) over two years, whatever the size."""
    for n in range(start, stop):
        created = EPOCH + timedelta(seconds=(n * 7919) % SPAN_SECONDS)
        yield {
            "id": n + 1,
            "number": f"SR-H{n:09d}",
            "kind": "fault",
            "status": "closed",
            "customer_id": customer_id,
            "is_repeat": False,
            "warranty": "in_warranty",
            "description": "history",
            "severity": "normal",
            "visits": 1,
            "reopen_count": 0,
            "first_time_fix": n % 7 != 0,
            "created_at": created,
            "response_due_at": created + timedelta(hours=24),
            "responded_at": created + timedelta(hours=2 + n % 30),
            "onsite_due_at": created + timedelta(hours=30),
            "arrived_at": created + timedelta(hours=20 + n % 15),
            "resolved_at": created + timedelta(hours=26),
            "closed_at": created + timedelta(hours=30),
        }


async def _bulk(conn: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Inserts rows fast: COPY on PostgreSQL, executemany elsewhere."""
    columns = list(rows[0])
    if conn.dialect.name == "sqlite":
        # Straight to the driver: SQLAlchemy's per-row type processing dominates at 1 M rows.
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table.__tablename__} ({', '.join(columns)}) VALUES ({marks})"
        await conn.exec_driver_sql(
            statement, [tuple(_sqlite(r[c]) for c in columns) for r in rows]
        )
        return
    if conn.dialect.name != "postgresql":
        await conn.execute(insert(table), rows)
        return
    for column in table.__table__.columns:
        if column.name not in columns and column.default is not None and column.default.is_scalar:
            columns.append(column.name)
    defaults = {
        c.name: c.default.arg for c in table.__table__.columns if c.default and c.default.is_scalar
    }
    records = [tuple(row.get(c, defaults.get(c)) for c in columns) for row in rows]
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    schema = (await conn.execute(text("select current_schema()"))).scalar_one()
    await driver.copy_records_to_table(
        table.__tablename__, records=records, columns=columns, schema_name=schema
    )


def _sqlite(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite (UTC datetimes as naive text, bools as 0/1)."""
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        )
    if isinstance(value, bool):
        return int(value)
    return value


async def load_history(conn: AsyncConnection, start: int, stop: int, customer_id: int) -> None:
    """Adds historical cases [start, stop) with their event and fired reminder."""
    for low in range(start, stop, CHUNK):
        high = min(stop, low + CHUNK)
        cases = list(_history_rows(low, high, customer_id))
        await _bulk(conn, Case, cases)
        await _bulk(
            conn,
            CaseEvent,
            [
                {
                    "case_id": c["id"],
                    "at": c["created_at"],
                    "actor": "customer",
                    "action": "create",
                    "to_status": "new",
                }
                for c in cases
            ],
        )
        await _bulk(
            conn,
            Reminder,
            [
                {
                    "key": f"case:{c['id']}:response:breach:0",
                    "case_id": c["id"],
                    "kind": "response",
                    "stage": "breach",
                    "due_at": c["response_due_at"],
                    "cancelled_at": c["responded_at"],
                }
                for c in cases
            ],
        )


async def _fix_sequences(conn: AsyncConnection) -> None:
    """Moves PostgreSQL id sequences past the ids COPY wrote explicitly."""
    if conn.dialect.name != "postgresql":
        return
    for table in ("cases", "case_events", "reminders"):
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


async def add_due(
    conn: AsyncConnection, customer_id: int, due: int, first_id: int, now: datetime
) -> None:
    """`due` open cases, each with one reminder due now (ids far above the history's)."""
    result = await conn.execute(
        insert(Case).returning(Case.id),
        [
            {
                "id": first_id + i,
                "number": f"SR-D{first_id + i:010d}",
                "kind": "fault",
                "status": "new",
                "customer_id": customer_id,
                "warranty": "in_warranty",
                "description": "due",
                "created_at": now - timedelta(hours=1),
                "response_due_at": now + timedelta(hours=23),
            }
            for i in range(due)
        ],
    )
    ids = [row[0] for row in result]
    await conn.execute(
        insert(Reminder),
        [
            {
                "key": f"bench:{case_id}",
                "case_id": case_id,
                "kind": BENCH_KIND,
                "stage": "due",
                "due_at": now - timedelta(minutes=1),
            }
            for case_id in ids
        ],
    )


async def _settle(db: Database) -> None:
    """Brings a freshly bulk-loaded database to the state a long-lived one is in."""
    if db.backend != "postgresql":
        # (The load's commit already checkpointed the WAL into the file.)
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        return
    async with db.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        # Only this benchmark's tables (a bare VACUUM would visit every schema).
        await auto.execute(text("VACUUM (ANALYZE) cases, case_events, reminders, customers"))
        try:
            await auto.execute(text("CHECKPOINT"))
        except DBAPIError:  # needs superuser or pg_checkpoint; the vacuum is what matters
            logger.warning("CHECKPOINT not permitted; timing without it")


@dataclass
class _Point:
    """One history size: its database, sweeper and measurements."""

    size: int
    db: Database
    sessions: async_sessionmaker[AsyncSession]
    sweeper: Sweeper
    customer_id: int
    load_seconds: float
    timings: list[float] = field(default_factory=list)


async def _prepare(db: Database, size: int, clock: ManualClock, settings: Settings) -> _Point:
    """Loads `size` historical cases into an empty database and settles it."""
    sessions = create_session_factory(db.engine)
    sweeper = Sweeper(sessions, clock, settings, policy_from(settings))
    async with db.engine.begin() as conn:
        customer_id = (
            await conn.execute(
                insert(Customer).returning(Customer.id),
                [{"telegram_id": 1, "language": "en", "created_at": clock.now()}],
            )
        ).scalar_one()
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await load_history(conn, 0, size, customer_id)
        await _fix_sequences(conn)
    load_seconds = time.perf_counter() - started
    await _settle(db)
    await sweeper.sweep()  # warm caches and plan the calendar rows
    return _Point(size, db, sessions, sweeper, customer_id, load_seconds)


async def run(backend: str, sizes: Sequence[int], due: int) -> dict[str, Any]:
    """Times the sweep (and the monthly report, if present) at each history size."""
    clock = ManualClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    settings = Settings(_env_file=None, timezone="Asia/Shanghai", default_language="en")
    async with AsyncExitStack() as stack:
        points: list[_Point] = []
        for size in sizes:
            db = await stack.enter_async_context(database(backend))
            points.append(await _prepare(db, size, clock, settings))
        next_due_id = DUE_IDS
        for round_number in range(REPEATS):
            for point in points if round_number % 2 == 0 else reversed(points):
                async with point.db.engine.begin() as conn:
                    await add_due(conn, point.customer_id, due, next_due_id, clock.now())
                next_due_id += due
                started = time.perf_counter()
                fired = await point.sweeper.sweep()
                point.timings.append(time.perf_counter() - started)
                if fired != due:
                    raise AssertionError(f"sweep fired {fired}, expected {due}")
        results: list[dict[str, Any]] = []
        for point in points:
            async with point.sessions() as session:
                total = await session.scalar(select(func.count()).select_from(Case))
            measured: dict[str, Any] = {
                "history_cases": point.size,
                "cases_in_db": total,
                "load_seconds": round(point.load_seconds, 1),
                "sweep_ms": ms(statistics.median(point.timings)),
                "sweep_ms_best": ms(min(point.timings)),
                "sweep_ms_all": [ms(t) for t in point.timings],
            }
            measured.update(await _report_timing(point.sessions, clock))
            results.append(measured)
    small, large = results[0], results[-1]
    result: dict[str, Any] = {
        "backend": backend,
        "due_reminders": due,
        "sweep_method": (
            f"best of {REPEATS} sweeps per size, run interleaved across the sizes' databases"
        ),
        "points": results,
        "sweep_ratio": _ratio(large["sweep_ms_best"], small["sweep_ms_best"]),
        "sweep_ratio_median": _ratio(large["sweep_ms"], small["sweep_ms"]),
    }
    if "report_ms" in small and "report_ms" in large and small["report_ms"]:
        result["report_ratio"] = round(large["report_ms"] / small["report_ms"], 2)
    return result


def _ratio(large: float, small: float) -> float | None:
    """large / small, rounded; None without a baseline."""
    return round(large / small, 2) if small else None


async def _report_timing(sessions: Any, clock: ManualClock) -> dict[str, Any]:
    """Times the monthly service-standard report of one month of the loaded history."""
    try:  # written concurrently with this benchmark; measured when present
        from domain.metrics import Targets
        from storage.repos.standards import service_report
    except ImportError as missing:
        return {"report": f"not measured ({missing})"}
    timings: list[float] = []
    for _ in range(REPORT_REPEATS):
        async with sessions() as session:
            started = time.perf_counter()
            await service_report(
                session,
                start=REPORT_MONTH[0],
                end=REPORT_MONTH[1],
                settings_targets=Targets(),
                as_of=clock.now(),
            )
            timings.append(time.perf_counter() - started)
    return {"report_ms": ms(statistics.median(timings)), "report_ms_all": [ms(t) for t in timings]}
