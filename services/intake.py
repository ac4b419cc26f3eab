"""Intake: a request becomes a numbered case with its warranty, clocks and desk notice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.event_data import Intake
from domain.lifecycle import Actor, CaseKind, CaseStatus
from domain.numbers import COMPLAINT_SERIES, SERVICE_SERIES
from domain.policy import ServicePolicy
from domain.reminders import response_clock
from domain.sla import repeat_of
from domain.warranty import Warranty, warranty_status
from services import dispatch, onsite
from services.desk import DeskRoute
from storage.models import Case, Customer, Product
from storage.repos import cases as case_rows
from storage.repos import products, reminders

logger = logging.getLogger(__name__)


@dataclass
class CaseDraft:
    """What a customer told us about a new request."""

    kind: CaseKind
    description: str
    product_id: int | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    onsite_due_at: datetime | None = None
    photos: list[tuple[str, str | None]] = field(default_factory=list)
    parent_id: int | None = None
    severity: str = "normal"
    # Where the request came in, and who registered it when it was not the customer in chat
    # (e.g. "api:erp"): both go on the case and its first timeline event.
    channel: str = "chat"
    registered_by: str | None = None


async def open_case(
    session: AsyncSession,
    *,
    customer: Customer,
    draft: CaseDraft,
    now: datetime,
    policy: ServicePolicy,
    desk: DeskRoute | None = None,
) -> Case:
    """Registers a request: number, warranty, repeat link, audit event, response clock, desk."""
    product: Product | None = None
    if draft.product_id is not None:
        product = await products.get_product_by_id(session, product_id=draft.product_id)
    today = now.astimezone(policy.tz).date()
    warranty = (
        warranty_status(product.warranty_end, today, verified=product.verified)
        if product is not None
        else Warranty.UNVERIFIED
    )
    parent_id = draft.parent_id
    is_repeat = False
    if product is not None and draft.kind is CaseKind.FAULT:
        earlier = await case_rows.earlier_closed(session, product_id=product.id)
        repeat = repeat_of(earlier, now, policy.repeat_window_days)
        if repeat is not None:
            parent_id, is_repeat = repeat, True
    case = Case(
        number=await case_rows.next_case_number(
            session,
            day=today,
            series=COMPLAINT_SERIES if draft.kind is CaseKind.COMPLAINT else SERVICE_SERIES,
        ),
        kind=draft.kind,
        status=CaseStatus.NEW,
        customer_id=customer.id,
        product_id=product.id if product else None,
        parent_id=parent_id,
        is_repeat=is_repeat,
        warranty=warranty,
        description=draft.description,
        address=draft.address,
        latitude=draft.latitude,
        longitude=draft.longitude,
        region=customer.region,
        category=product.category if product else None,
        severity=draft.severity,
        channel=draft.channel,
        created_at=now,
        response_due_at=policy.response_due(now),
        onsite_due_at=draft.onsite_due_at,
        visits=0,
        reopen_count=0,
    )
    await case_rows.add_case(session, case=case)
    for file_id, unique_id in draft.photos:
        await case_rows.add_photo(
            session,
            case=case,
            file_id=file_id,
            file_unique_id=unique_id,
            added_by="customer",
            now=now,
        )
    intake = Intake()
    if draft.channel != "chat":
        intake["channel"] = draft.channel
    if draft.registered_by:
        intake["registered_by"] = draft.registered_by
    if is_repeat and parent_id is not None:
        intake["repeat_of"] = parent_id
    await case_rows.add_event(
        session,
        case=case,
        actor=Actor.CUSTOMER,
        actor_id=customer.telegram_id,
        action="create",
        now=now,
        to_status=CaseStatus.NEW,
        data=intake,
    )
    await reminders.schedule_plan(
        session, case_id=case.id, plan=response_clock(now, policy, case.reopen_count)
    )
    # The on-site clock runs from the customer's choice, whether or not anyone is assigned yet.
    await onsite.plan(session, case=case, now=now, policy=policy)
    await dispatch.announce_new_case(session, case=case, now=now, route=desk, policy=policy)
    logger.info("case %s registered (%s)", case.number, case.kind, extra={"case": case.number})
    return case
