"""The monthly report's query plans stay linear in the history (SQLite's planner).

Regression: with a plain index on cases.parent_id, which is NULL for nearly every case,
SQLite's ANALYZE rated the index useless and the report's "has a repeat fault?" check scanned
the whole cases table once per closed case; over 1 M cases one statement never finished.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.metrics import Targets
from storage.db import create_session_factory
from storage.models import Case
from storage.repos.standards import service_report
from tests.conftest import USE_PG
from tests.factories import make_customer

pytestmark = pytest.mark.skipif(
    USE_PG, reason="SQLite's planner; PostgreSQL keeps the NULL fraction in its statistics"
)

START = datetime(2026, 10, 1, tzinfo=UTC)
HISTORY = 400


def _history(customer_id: int) -> list[dict[str, Any]]:
    """Closed faults over the month, none linked to another, one repeat fault of the first."""
    rows: list[dict[str, Any]] = []
    for n in range(HISTORY):
        created = START + timedelta(hours=n)
        rows.append(
            {
                "number": f"SR-P-{n:05d}",
                "kind": "fault",
                "status": "closed",
                "customer_id": customer_id,
                "warranty": "in_warranty",
                "description": "history",
                "first_time_fix": True,
                "created_at": created,
                "response_due_at": created + timedelta(hours=24),
                "responded_at": created + timedelta(hours=1),
                "closed_at": created + timedelta(hours=5),
            }
        )
    return rows


def _per_row_scans(plan: list[tuple[int, int, int, str]]) -> list[str]:
    """Full scans nested in a correlated subquery (run once per outer row) of a plan."""
    parents = {node: parent for node, parent, _, _ in plan}
    details = {node: detail for node, _, _, detail in plan}

    def correlated(node: int) -> bool:
        while node in parents:
            node = parents[node]
            if details.get(node, "").startswith("CORRELATED"):
                return True
        return False

    return [
        details[node]
        for node, _, _, detail in plan
        if detail.startswith("SCAN ") and correlated(node)
    ]


async def test_the_report_scans_no_table_per_closed_case(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        customer = await make_customer(session, telegram_id=9301, now=START)
        await session.execute(insert(Case), _history(customer.id))
    # Statistics taken while no case has a parent, as after importing a history.
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    async with sessions() as session, session.begin():
        first = await session.scalar(text("SELECT min(id) FROM cases"))
        repeat = {**_history(customer.id)[0], "number": "SR-P-R", "is_repeat": True}
        await session.execute(insert(Case), [{**repeat, "parent_id": first}])
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessions() as session:
            report = await service_report(
                session,
                start=START,
                end=START + timedelta(days=31),
                settings_targets=Targets(),
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    # The repeat fault makes the first case no first-time fix: HISTORY of HISTORY + 1 closures.
    assert report.metric("first_time_fix_pct").value == round(100 * HISTORY / (HISTORY + 1), 1)
    assert statements
    async with engine.connect() as conn:
        for statement, params in statements:
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)).all()
            assert _per_row_scans([tuple(row) for row in plan]) == [], statement
