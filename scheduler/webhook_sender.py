"""The webhook sender: posts claimed deliveries, signed, apart from the bot and the outbox.

Its own task, its own HTTP client with a short timeout and a few requests in flight at once:
a receiver that is slow or down holds up only its own deliveries. Due-ness and the signed
timestamp follow the injected clock, so tests move time instead of sleeping for a retry.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.settings import Settings
from core.waiting import wait_event
from domain.webhooks import signature
from services import webhooks as outcomes
from storage.models import WebhookDelivery, WebhookSubscription
from storage.repos import webhooks

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 50
IN_FLIGHT = 8
IDLE_SECONDS = 5.0


class WebhookSender:
    """Drains due webhook deliveries whenever woken, and every few seconds."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    def wake(self) -> None:
        """Asks for a drain now (after a change that may have written events)."""
        self._wake.set()

    async def run(self) -> None:
        """Drains until cancelled."""
        timeout = aiohttp.ClientTimeout(total=self.settings.webhook_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                try:
                    await self.drain(http)
                except Exception:  # a database hiccup must not end the sender
                    logger.exception("webhook drain failed")
                await wait_event(self._wake, IDLE_SECONDS)
                self._wake.clear()

    async def drain(self, http: aiohttp.ClientSession) -> int:
        """Sends every due delivery once; how many were tried."""
        tried = 0
        while True:
            now = self.clock.now()
            async with self.sessions() as session, session.begin():
                batch = await webhooks.claim_due(session, now=now, limit=BATCH, lease=LEASE)
            if not batch:
                return tried
            await asyncio.gather(*(self._send(http, d, s) for d, s in batch))
            tried += len(batch)

    async def _send(
        self, http: aiohttp.ClientSession, delivery: WebhookDelivery, sub: WebhookSubscription
    ) -> None:
        """One try, then its outcome stored."""
        body = delivery.body.encode()
        stamp = int(self.clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "aftersales-webhooks/1",
            "X-Aftersales-Event": delivery.event,
            "X-Aftersales-Event-Id": delivery.event_id,
            "X-Aftersales-Timestamp": str(stamp),
            "X-Aftersales-Signature": signature(sub.secret, stamp, body),
        }
        status: int | None = None
        error = ""
        async with self._slots:
            try:
                async with http.post(sub.url, data=body, headers=headers) as response:
                    status = response.status
                    error = "" if status < 300 else f"HTTP {status}"
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            if status is not None and 200 <= status < 300:
                await outcomes.delivered(session, delivery_id=delivery.id, status=status, now=now)
            else:
                await outcomes.failed(
                    session, delivery_id=delivery.id, status=status, error=error, now=now,
                    max_attempts=self.settings.webhook_max_attempts,
                    admin_ids=self.settings.admin_ids,
                    default_language=self.settings.default_language,
                )  # fmt: skip
