"""Operations: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from storage.repos import ops
from web.deps import deps_key

logger = logging.getLogger(__name__)

TICK_WITHIN = timedelta(minutes=2)
OUTBOX_STUCK_AFTER = timedelta(minutes=10)


async def healthz(_request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Database reachable, scheduler ticked lately, outbox moving; 503 naming what is wrong."""
    deps = request.app[deps_key]
    now = deps.clock.now()
    checks: dict[str, str] = {}
    snapshot = None
    try:
        async with asyncio.timeout(5), deps.reads() as session:
            await ops.ping(session)
            snapshot = await ops.ops_snapshot(session, now=now)
        checks["database"] = "ok"
    except Exception:  # any failure to reach the database means not ready
        logger.warning("readiness: database check failed", exc_info=True)
        checks["database"] = "unreachable"
    last_tick = deps.last_tick()
    interval = timedelta(seconds=deps.settings.sweep_interval_seconds)
    window = max(TICK_WITHIN, 2 * interval)
    if not deps.active():
        checks["scheduler"] = "standby"  # another instance leads; this one takes webhooks
    elif last_tick is not None and now - last_tick <= window:
        checks["scheduler"] = "ok"
    else:
        checks["scheduler"] = "stale"
    if snapshot is None:
        checks["outbox"] = "unknown"
    elif snapshot.oldest_due_outbox is not None and (
        now - snapshot.oldest_due_outbox > OUTBOX_STUCK_AFTER
    ):
        checks["outbox"] = "stuck"
    else:
        checks["outbox"] = "ok"
    ready = all(value in ("ok", "standby") for value in checks.values())
    return web.json_response(
        {
            "status": "ready" if ready else "not ready",
            "role": "active" if deps.active() else "standby",
            "checks": checks,
        },
        status=200 if ready else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format: updates, handler latency, outbox, reminders, SLA, open cases."""
    deps = request.app[deps_key]
    async with deps.reads() as session:
        snapshot = await ops.ops_snapshot(session, now=deps.clock.now())
    body = deps.metrics.exposition(snapshot)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
