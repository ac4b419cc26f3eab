"""Quotes for out-of-warranty work: proposed by the technician or desk, decided by the customer."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import ApproveQuote, DeclineQuote
from core.messages import Button, Message, money
from core.money import part_lines
from domain.event_data import Quoted
from domain.lifecycle import Action, Actor, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import quote_clock
from services import notify, onsite, workflow
from services.closing import close_case
from services.desk import DeskRoute, to_desk
from storage.models import Case, Customer, Quote, Staff
from storage.repos import cases as case_rows
from storage.repos import people, reminders
from storage.repos import quotes as quote_rows

logger = logging.getLogger(__name__)


def quote_message(case: Case, quote: Quote, *, reminder: bool = False) -> Message:
    """The quote as the customer sees it, with Approve / Decline."""
    return Message(
        "tech.quote_reminder" if reminder else "tech.quote_for_customer",
        {
            "number": case.number,
            "parts": part_lines(quote.parts),
            "parts_total": money(quote.parts_cents),
            "labour": money(quote.labour_cents),
            "travel": money(quote.travel_cents),
            "total": money(quote.total_cents),
        },
        buttons=(
            (
                Button("tech.btn_quote_approve", ApproveQuote(quote.id).pack()),
                Button("tech.btn_quote_decline", DeclineQuote(quote.id).pack()),
            ),
        ),
    )


async def create_quote(
    session: AsyncSession,
    *,
    case: Case,
    by: Staff,
    actor: Actor,
    parts: list[dict[str, Any]],
    labour_cents: int,
    travel_cents: int,
    now: datetime,
    policy: ServicePolicy,
) -> Quote:
    """Stores the quote, puts the case on hold and sends the quote to the customer."""
    parts_cents = sum(int(p["qty"]) * int(p["unit_cents"]) for p in parts)
    for old in await quote_rows.quotes_in_status(session, case_id=case.id, status="pending"):
        old.status = "replaced"
    quote = Quote(
        case_id=case.id,
        created_by=by.id,
        created_at=now,
        parts=parts,
        parts_cents=parts_cents,
        labour_cents=labour_cents,
        travel_cents=travel_cents,
        total_cents=parts_cents + labour_cents + travel_cents,
        status="pending",
    )
    await quote_rows.add_quote(session, quote=quote)
    onsite.pause(case, now)
    await workflow.move(
        session,
        case=case,
        action=Action.QUOTE,
        actor=actor,
        actor_id=by.telegram_id,
        now=now,
        data=Quoted(quote_id=quote.id, total_cents=quote.total_cents),
    )
    await reminders.schedule_plan(
        session, case_id=case.id, plan=quote_clock(now, policy, quote.id)
    )
    await notify.to_customer(
        session, case=case, message=quote_message(case, quote), key=f"quote:{quote.id}", now=now
    )
    return quote


async def quote_of_customer(
    session: AsyncSession, *, quote_id: int, customer: Customer
) -> tuple[Quote, Case] | None:
    """The quote and its case, only if the case belongs to this customer."""
    quote = await quote_rows.get_quote(session, quote_id=quote_id)
    if quote is None:
        return None
    case = await case_rows.get_case(session, case_id=quote.case_id)
    if case is None or case.customer_id != customer.id:
        return None
    return quote, case


async def decide_quote(
    session: AsyncSession,
    *,
    case: Case,
    quote: Quote,
    customer: Customer,
    approve: bool,
    now: datetime,
    policy: ServicePolicy,
    route: DeskRoute | None,
) -> None:
    """Approval lets work go on; declining closes the case as "quote declined"."""
    await workflow.move(
        session,
        case=case,
        action=Action.APPROVE_QUOTE if approve else Action.DECLINE_QUOTE,
        actor=Actor.CUSTOMER,
        actor_id=customer.telegram_id,
        now=now,
        data=Quoted(quote_id=quote.id),
    )
    quote.status = "approved" if approve else "declined"
    if approve:
        await onsite.resume(session, case=case, now=now, policy=policy)
    quote.decided_at = now
    key = "tech.quote_approved" if approve else "tech.quote_declined"
    message = Message(key, {"number": case.number, "total": money(quote.total_cents)})
    tech = (
        await people.get_staff_by_id(session, staff_id=case.technician_id)
        if case.technician_id
        else None
    )
    if tech is not None:
        await notify.to_staff(
            session, staff=tech, message=message, key=f"qdecided:{quote.id}", now=now, case=case
        )
    if not approve:
        await close_case(session, case=case, now=now, policy=policy, reason="quote_declined")
        await to_desk(
            session, message=message, key=f"qdecided:{quote.id}", now=now, case=case, route=route
        )


def is_waiting(case: Case) -> bool:
    """Whether the case waits for the customer's decision on a quote."""
    return CaseStatus(case.status) == CaseStatus.QUOTE_PENDING
