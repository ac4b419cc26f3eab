"""Outgoing webhooks: subscriptions, and one delivery row per event and subscriber.

Deliveries are written in the transaction of the change that caused them (as outbox rows are),
so an event exists exactly when its cause does; the sender claims due rows, so a restart or a
second process never sends one twice at the same time.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.webhooks import events_of_case_event
from storage.models import Case, CaseEvent, WebhookDelivery, WebhookSubscription
from storage.repos.outbox import OUTBOX_WRITTEN
from storage.repos.rows import add as add_row


async def add_subscription(
    session: AsyncSession, *, url: str, events: list[str], secret: str, now: datetime
) -> WebhookSubscription:
    """Subscribes a URL to events."""
    row = WebhookSubscription(url=url, events=",".join(events), secret=secret, created_at=now)
    return await add_row(session, row)


async def subscriptions(session: AsyncSession) -> list[WebhookSubscription]:
    """Every live subscription, oldest first."""
    rows = await session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.removed_at.is_(None))
        .order_by(WebhookSubscription.id)
    )
    return list(rows)


async def every_subscription(session: AsyncSession) -> list[WebhookSubscription]:
    """Every subscription, live or removed, newest first (the admins' page)."""
    rows = await session.scalars(
        select(WebhookSubscription).order_by(WebhookSubscription.id.desc())
    )
    return list(rows)


async def live_subscription(
    session: AsyncSession, *, subscription_id: int
) -> WebhookSubscription | None:
    """One subscription that has not been removed."""
    row = await session.get(WebhookSubscription, subscription_id)
    return row if row is not None and row.removed_at is None else None


async def remove_subscription(
    session: AsyncSession, *, subscription_id: int, now: datetime
) -> bool:
    """Ends a subscription (its pending deliveries are dropped); False if there is none."""
    result = await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.removed_at.is_(None))
        .values(removed_at=now)
        .returning(WebhookSubscription.id)
    )
    if result.scalar_one_or_none() is None:
        return False
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == "pending",
        )
        .values(status="dropped")
    )
    return True


async def record(
    session: AsyncSession,
    *,
    event: str,
    data: dict[str, Any],
    now: datetime,
    case_id: int | None = None,
    only: int | None = None,
) -> int:
    """Writes the event for every subscriber of it (or only one); how many rows were written."""
    targets = [s for s in await subscriptions(session) if event in s.event_set or s.id == only]
    if only is not None:
        targets = [s for s in targets if s.id == only]
    if not targets:
        return 0
    event_id = uuid.uuid4().hex
    body = json.dumps(
        {"id": event_id, "type": event, "created_at": now.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    for target in targets:
        session.add(
            WebhookDelivery(
                subscription_id=target.id, event_id=event_id, event=event, body=body,
                case_id=case_id, created_at=now, due_at=now, status="pending", attempts=0,
            )
        )  # fmt: skip
    await session.flush()
    # The pump wakes its senders after a commit that wrote something to deliver.
    session.info[OUTBOX_WRITTEN] = True
    return len(targets)


def case_data(case: Case, event: CaseEvent | None = None) -> dict[str, Any]:
    """What a case event tells the receiver: the case's state and the timeline line."""
    data: dict[str, Any] = {
        "case_id": case.id,
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "channel": case.channel,
        "customer_id": case.customer_id,
        "technician_id": case.technician_id,
    }
    if event is not None:
        data.update(
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            note=event.note,
            data=event.data,
            at=event.at.isoformat(),
        )
    return data


async def record_case_event(session: AsyncSession, *, case: Case, event: CaseEvent) -> None:
    """Writes the webhook events one line of a case's timeline stands for."""
    names = events_of_case_event(case.kind, event.action, event.from_status, event.to_status)
    for name in names:
        await record(
            session, event=name, data=case_data(case, event), now=event.at, case_id=case.id
        )


async def record_case(session: AsyncSession, *, case: Case, event: str, now: datetime) -> None:
    """Writes an event about the case as it stands now."""
    await record(session, event=event, data=case_data(case), now=now, case_id=case.id)


async def record_breach(
    session: AsyncSession, *, case: Case, standard: str, due_at: datetime | None, now: datetime
) -> None:
    """Writes standard.breached: a response or on-site deadline of the case was missed."""
    data = {
        **case_data(case),
        "standard": standard,
        "due_at": due_at.isoformat() if due_at else None,
    }
    await record(session, event="standard.breached", data=data, now=now, case_id=case.id)


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta
) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    """Claims due deliveries (pushing their due time past the lease) with their subscription."""
    rows = await session.execute(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.due_at <= now)
        .order_by(WebhookDelivery.due_at, WebhookDelivery.id)
        .limit(limit)
    )
    claimed = []
    for (delivery_id,) in rows.all():
        result = await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.due_at <= now,
            )
            .values(due_at=now + lease)
            .returning(WebhookDelivery.id)
        )
        if result.scalar_one_or_none() is not None:
            claimed.append(delivery_id)
    if not claimed:
        return []
    found = await session.execute(
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id.in_(claimed))
        .order_by(WebhookDelivery.id)
        .execution_options(populate_existing=True)
    )
    return [(d, s) for d, s in found.all()]


async def deliveries(session: AsyncSession, *, limit: int = 50) -> list[WebhookDelivery]:
    """The newest deliveries, for the delivery log."""
    rows = await session.scalars(
        select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    )
    return list(rows)


async def redeliver(session: AsyncSession, *, delivery_id: int, now: datetime) -> bool:
    """Queues a dead or delivered event again (same event id); False if unknown."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status != "dropped")
        .values(status="pending", due_at=now, attempts=0)
        .returning(WebhookDelivery.id)
    )
    return result.scalar_one_or_none() is not None
