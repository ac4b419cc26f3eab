"""Return visits of key customers: every N days a return-visit case, dispatched like any case.

A daily calendar job (settings.return_visit_hour, local) plans one row per key customer whose
visit is due; each row opens the case in its own transaction, so one bad customer cannot block
the others. A customer newly flagged as key starts the cycle: first visit N days later.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.i18n import catalog
from core.messages import Message
from domain.lifecycle import CaseKind
from scheduler.notices import case_args, notice_key, to_desk
from scheduler.recurring import daily_at, recurring
from scheduler.registry import JobContext, handles
from services import intake, notify
from services.intake import CaseDraft
from storage.models import Reminder
from storage.repos import cases as case_rows
from storage.repos import people, reminders

logger = logging.getLogger(__name__)

KIND = "return_visit"


@recurring("return_visits", next_due=daily_at(lambda settings: settings.return_visit_hour))
async def plan_return_visits(ctx: JobContext, _reminder: Reminder) -> None:
    """Plans today's return visits: one row per key customer whose visit is due."""
    cycle = timedelta(days=ctx.policy.return_visit_days)
    for customer in await people.key_customers_due(ctx.session, now=ctx.now):
        if customer.next_return_visit_at is None:
            customer.next_return_visit_at = ctx.now + cycle
            continue
        due_on = customer.next_return_visit_at.astimezone(ctx.settings.tz).date()
        await reminders.schedule(
            ctx.session,
            key=f"{KIND}:{customer.id}:{due_on.isoformat()}",
            kind=KIND,
            stage="open",
            due_at=ctx.now,
            payload={"customer_id": customer.id},
        )


@handles(KIND, "open")
async def open_return_visit(ctx: JobContext, reminder: Reminder) -> None:
    """Opens the return-visit case, announces it to the desk and tells the customer."""
    customer_id = int((reminder.payload or {}).get("customer_id", 0))
    customer = await people.get_customer_by_id(ctx.session, customer_id=customer_id)
    if customer is None or not customer.is_key or customer.forgotten_at is not None:
        return
    if customer.next_return_visit_at is None or customer.next_return_visit_at > ctx.now:
        return  # the visit was moved since the row was planned
    customer.next_return_visit_at = ctx.now + timedelta(days=ctx.policy.return_visit_days)
    if await case_rows.open_case_of_kind(ctx.session, customer_id=customer.id, kind=KIND):
        logger.info("customer %s still has an open return visit; not opening another", customer.id)
        return
    last = await case_rows.last_case_of(ctx.session, customer_id=customer.id)
    description = catalog(ctx.settings.default_language)["scheduler.return_visit.description"]
    case = await intake.open_case(
        ctx.session,
        customer=customer,
        draft=CaseDraft(
            kind=CaseKind.RETURN_VISIT,
            description=description,
            product_id=last.product_id if last else None,
            address=last.address if last else None,
            latitude=last.latitude if last else None,
            longitude=last.longitude if last else None,
        ),
        now=ctx.now,
        policy=ctx.policy,
    )
    args = {
        **case_args(case),
        "customer": customer.name or "-",
        "company": customer.company or "-",
    }
    await to_desk(
        ctx,
        message=Message("scheduler.return_visit.opened", args),
        key=notice_key(reminder, "desk"),
        case=case,
    )
    await notify.to_customer(
        ctx.session,
        case=case,
        message=Message("scheduler.return_visit.customer", case_args(case)),
        key=notice_key(reminder, "cust"),
        now=ctx.now,
    )
    logger.info("return visit %s opened for key customer %s", case.number, customer.id)
