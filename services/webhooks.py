"""Outgoing webhooks after a try: delivered, retried after a backoff, or given up (admins told)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message
from domain.webhooks import backoff
from services import scheduling
from storage.models import WebhookDelivery, WebhookSubscription
from storage.repos import outbox

logger = logging.getLogger(__name__)


async def delivered(
    session: AsyncSession, *, delivery_id: int, status: int, now: datetime
) -> None:
    """The receiver answered 2xx: done."""
    row = await session.get(WebhookDelivery, delivery_id)
    if row is not None:
        row.status, row.last_status, row.delivered_at = "delivered", status, now
        row.attempts += 1
        row.last_error = None


async def failed(
    session: AsyncSession,
    *,
    delivery_id: int,
    status: int | None,
    error: str,
    now: datetime,
    max_attempts: int,
    admin_ids: list[int],
    default_language: str,
) -> bool:
    """A try failed: the next one after a backoff, or, attempts spent, dead; True if dead."""
    row = await session.get(WebhookDelivery, delivery_id)
    if row is None or row.status != "pending":
        return False
    row.attempts += 1
    row.last_status, row.last_error = status, error[:500]
    if row.attempts < max_attempts:
        row.due_at = now + backoff(row.attempts)
        return False
    row.status = "dead"
    subscription = await session.get(WebhookSubscription, row.subscription_id)
    url = subscription.url if subscription else "?"
    logger.warning("webhook %s to %s given up after %s attempts", row.event, url, row.attempts)
    message = Message(
        "webhook.dead",
        {"event": row.event, "url": url, "attempts": row.attempts, "error": row.last_error},
    )
    for telegram_id, language in await scheduling.admin_recipients(
        session, admin_ids=admin_ids, default_language=default_language
    ):
        await outbox.enqueue(
            session, chat_id=telegram_id, message=message, language=language,
            dedupe_key=f"webhook-dead:{row.id}:{row.attempts}:admin:{telegram_id}", now=now,
        )  # fmt: skip
    return True
