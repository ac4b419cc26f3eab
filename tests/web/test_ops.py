"""Health, readiness and metrics."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.factories import make_case, make_customer
from tests.harness import Harness
from tests.web.conftest import Client


async def test_healthz_says_ok(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_readyz_needs_a_recent_scheduler_tick(harness: Harness, client: Client) -> None:
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 503
    assert body["checks"] == {"database": "ok", "scheduler": "stale", "outbox": "ok"}
    assert body["role"] == "active"
    await harness.tick()
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"


async def test_readyz_answers_while_the_bot_is_writing(harness: Harness, client: Client) -> None:
    """SQLite: a busy writer must not make the database look unreachable (5 s check)."""
    await harness.tick()
    async with harness.session() as session, session.begin():
        await make_customer(session, telegram_id=5003, now=harness.clock.now())  # holds the lock
        response = await asyncio.wait_for(client.get("/readyz"), timeout=4)
        assert response.status == 200
        assert (await response.json())["checks"]["database"] == "ok"


async def test_metrics_count_updates_cases_and_breaches(harness: Harness, client: Client) -> None:
    async with harness.session() as session, session.begin():
        customer = await make_customer(session, telegram_id=5001, now=harness.clock.now())
        await make_case(session, customer=customer, now=harness.clock.now())
    user = harness.user(5002)
    user.send_text("/help")
    await harness.settle()
    harness.advance(timedelta(hours=25))
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert "aftersales_updates_received_total 1.0" in text
    assert 'aftersales_updates_processed_total{outcome="ok"} 1.0' in text
    assert "aftersales_handler_seconds_count 1.0" in text
    assert 'aftersales_open_cases{status="new"} 1.0' in text
    assert 'aftersales_sla_breached_cases{kind="fault",sla="response"} 1.0' in text
    assert 'aftersales_sla_breached_cases{kind="fault",sla="onsite"} 1.0' in text
    assert "aftersales_outbox_dead 0.0" in text
    assert "aftersales_reminders_due " in text
