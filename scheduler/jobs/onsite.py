"""The on-site deadline: pings ahead of it, then escalation and an apology.

The clock runs whatever the case's status: pings go to the assigned technician, or to the desk
while nobody is assigned; the breach tells the desk and the supervisors and apologises to the
customer, who may keep waiting, pick a new time or cancel. A case that has moved on (on site,
resolved, closed, cancelled) or waits on a quote makes the row moot.
"""

from __future__ import annotations

import logging

from core.messages import Message
from domain.lifecycle import BEFORE_SITE, CaseStatus
from domain.reminders import ReminderKind
from scheduler.notices import case_args, notice_key, to_desk, to_supervisors
from scheduler.registry import JobContext, handles
from services import notify, scheduling
from services.onsite import late_buttons
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
    if case is None or case.onsite_due_at is None:
        return
    minutes = max(0, round((case.onsite_due_at - ctx.now).total_seconds() / 60))
    if case.status not in PING_STATUSES:
        # Nobody holds the case: the desk is the one who can still get someone there in time.
        message = Message("scheduler.onsite.desk_ping", {**case_args(case), "minutes": minutes})
        await to_desk(ctx, message=message, key=notice_key(reminder, "desk"), case=case)
        return
    technician = await scheduling.technician_of(ctx.session, case=case)
    if technician is None or not technician.active:
        return
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
        message=Message("scheduler.onsite.apology", case_args(case), buttons=late_buttons(case)),
        key=notice_key(reminder, "cust"),
        now=ctx.now,
    )
    await webhooks.record_breach(
        ctx.session, case=case, standard="onsite", due_at=case.onsite_due_at, now=ctx.now
    )
    logger.warning("case %s missed its on-site deadline", case.number)
