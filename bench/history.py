"""Sweep cost versus history: the same due work among 10 k and among 1 M historical cases.

History is bulk-loaded (executemany on SQLite, COPY on PostgreSQL): closed cases, each with
its creation event and its fired reminder. The due work is `due` open cases with one due
reminder each, of a benchmark-only kind whose handler does nothing, so the time measured is
the sweep's own: finding, claiming and dispatching due rows.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.clock import ManualClock
from aftersales.settings import Settings
from bench.common import database, ms
from bot.app import policy_from
from scheduler.registry import JobContext, handles
from scheduler.sweep import Sweeper
from storage.db import create_session_factory
from storage.models import Case, CaseEvent, Customer, Reminder

logger = logging.getLogger(__name__)

BENCH_KIND = "bench"
CHUNK = 50_000
REPEATS = 3
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
            "flagged": False,
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


async def run(backend: str, sizes: Sequence[int], due: int) -> dict[str, Any]:
    """Times the sweep (and the monthly report, if present) at each history size."""
    clock = ManualClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    settings = Settings(_env_file=None, timezone="Asia/Shanghai", default_language="en")
    points: list[dict[str, Any]] = []
    async with database(backend) as db:
        sessions = create_session_factory(db.engine)
        sweeper = Sweeper(sessions, clock, settings, policy_from(settings))
        async with db.engine.begin() as conn:
            customer_id = (
                await conn.execute(
                    insert(Customer).returning(Customer.id),
                    [{"telegram_id": 1, "language": "en", "created_at": clock.now()}],
                )
            ).scalar_one()
        loaded = 0
        next_due_id = DUE_IDS
        for size in sizes:
            started = time.perf_counter()
            async with db.engine.begin() as conn:
                await load_history(conn, loaded, size, customer_id)
                await _fix_sequences(conn)
            load_seconds = time.perf_counter() - started
            loaded = size
            async with db.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
            await sweeper.sweep()  # warm caches and fire anything the load made due
            timings: list[float] = []
            for _ in range(REPEATS):
                async with db.engine.begin() as conn:
                    await add_due(conn, customer_id, due, next_due_id, clock.now())
                next_due_id += due
                started = time.perf_counter()
                fired = await sweeper.sweep()
                timings.append(time.perf_counter() - started)
                if fired != due:
                    raise AssertionError(f"sweep fired {fired}, expected {due}")
            async with sessions() as session:
                total = await session.scalar(select(func.count()).select_from(Case))
            point: dict[str, Any] = {
                "history_cases": size,
                "cases_in_db": total,
                "load_seconds": round(load_seconds, 1),
                "sweep_ms": ms(statistics.median(timings)),
                "sweep_ms_all": [ms(t) for t in timings],
            }
            point.update(await _report_timing(sessions, clock))
            points.append(point)
    small, large = points[0], points[-1]
    result: dict[str, Any] = {
        "backend": backend,
        "due_reminders": due,
        "points": points,
        "sweep_ratio": round(large["sweep_ms"] / small["sweep_ms"], 2)
        if small["sweep_ms"]
        else None,
    }
    if "report_ms" in small and "report_ms" in large and small["report_ms"]:
        result["report_ratio"] = round(large["report_ms"] / small["report_ms"], 2)
    return result


async def _report_timing(sessions: Any, clock: ManualClock) -> dict[str, Any]:
    """Times the monthly service-standard report of one month of the loaded history."""
    try:  # written concurrently with this benchmark; measured when present
        from domain.metrics import Targets
        from storage.service_standard import service_report
    except ImportError as missing:
        return {"report": f"not measured ({missing})"}
    timings: list[float] = []
    for _ in range(REPEATS):
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
