"""The on-site deadline: pings to the assigned technician, then escalation and an apology.

Pings go out only while the technician has not checked in; the breach tells the desk and the
supervisors and apologises to the customer with the case's status. A case that has moved on
(on site, resolved, closed, cancelled) makes the row moot.
"""

from __future__ import annotations

import logging

from core.messages import Message
from domain.lifecycle import BEFORE_SITE, CaseStatus
from domain.reminders import ReminderKind
from scheduler.notices import case_args, notice_key, to_desk, to_supervisors
from scheduler.registry import JobContext, handles
from services import notify, scheduling
from storage.models import Case, Reminder
from storage.repos import cases as case_rows
from storage.repos import webhooks

logger = logging.getLogger(__name__)

PING_STATUSES = frozenset({CaseStatus.ASSIGNED, CaseStatus.ACCEPTED})


async def _not_arrived(ctx: JobContext, reminder: Reminder) -> Case | None:
    """The reminder's case if its technician has yet to arrive, else None (the row is moot)."""
    if reminder.case_id is None:
        return None
    case = await case_rows.get_case(ctx.session, case_id=reminder.case_id)
    if case is None or case.arrived_at is not None or case.onsite_due_at is None:
        return None
    if case.status not in BEFORE_SITE:
        return None
    return case


@handles(ReminderKind.ONSITE)
async def onsite(ctx: JobContext, reminder: Reminder) -> None:
    """Pings the technician ahead of the deadline, or escalates at it."""
    if reminder.stage == "breach":
        await _breach(ctx, reminder)
    else:
        await _ping(ctx, reminder)


async def _ping(ctx: JobContext, reminder: Reminder) -> None:
    """Tells the assigned technician how long is left before the customer's deadline."""
    case = await _not_arrived(ctx, reminder)
    if case is None or case.status not in PING_STATUSES or case.onsite_due_at is None:
        return
    technician = await scheduling.technician_of(ctx.session, case=case)
    if technician is None or not technician.active:
        return
    minutes = max(0, round((case.onsite_due_at - ctx.now).total_seconds() / 60))
    message = Message("scheduler.onsite.ping", {**case_args(case), "minutes": minutes})
    await notify.to_staff(
        ctx.session,
        staff=technician,
        message=message,
        key=notice_key(reminder, "tech"),
        now=ctx.now,
        case=case,
    )


async def _breach(ctx: JobContext, reminder: Reminder) -> None:
    """Tells the desk and the supervisors, and apologises to the customer."""
    case = await _not_arrived(ctx, reminder)
    if case is None:
        return
    technician = await scheduling.technician_of(ctx.session, case=case)
    args = {**case_args(case), "technician": technician.name if technician else "-"}
    staff_message = Message("scheduler.onsite.breach", args)
    # One key for both audiences: someone who is dispatcher and supervisor is told once.
    key = notice_key(reminder, "staff")
    await to_desk(ctx, message=staff_message, key=key, case=case)
    await to_supervisors(ctx, message=staff_message, key=key, case=case)
    await notify.to_customer(
        ctx.session,
        case=case,
        message=Message("scheduler.onsite.apology", case_args(case)),
        key=notice_key(reminder, "cust"),
        now=ctx.now,
    )
    await webhooks.record_breach(
        ctx.session, case=case, standard="onsite", due_at=case.onsite_due_at, now=ctx.now
    )
    logger.warning("case %s missed its on-site deadline", case.number)
