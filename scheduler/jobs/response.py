"""The response clock: the desk is reminded at 75 % of the window, supervisors told at breach.

Complaint cases go to the supervisors at both stages. Every handler re-checks that nobody has
responded yet: a human response stops the clock even if its reminder row is still there.
"""

from __future__ import annotations

import logging

from core.messages import Message
from domain.lifecycle import CaseKind, CaseStatus
from domain.reminders import ReminderKind
from scheduler.notices import case_args, notice_key, to_desk, to_supervisors
from scheduler.registry import JobContext, handles
from storage.models import Case, Reminder
from storage.repos import cases as case_rows
from storage.repos import webhooks

logger = logging.getLogger(__name__)


async def _unanswered(ctx: JobContext, reminder: Reminder) -> Case | None:
    """The reminder's case if it is still new and unanswered, else None (the row is moot)."""
    if reminder.case_id is None:
        return None
    case = await case_rows.get_case(ctx.session, case_id=reminder.case_id)
    if case is None or case.responded_at is not None or case.status != CaseStatus.NEW:
        return None
    return case


def _key(ctx: JobContext, notice: str) -> str:
    """The catalog key of a notice: its "working hours" wording when working hours are set."""
    return f"working_hours.{notice}" if ctx.policy.working else f"scheduler.{notice}"


@handles(ReminderKind.RESPONSE, "remind")
async def remind_desk(ctx: JobContext, reminder: Reminder) -> None:
    """Reminds the desk (supervisors, for a complaint) of a case nobody has answered."""
    case = await _unanswered(ctx, reminder)
    if case is None:
        return
    # With working hours, the hours counted are working ones (the window's own measure).
    hours = round(ctx.policy.response_elapsed(case.created_at, ctx.now).total_seconds() / 3600)
    args = {**case_args(case), "hours": hours}
    if case.kind == CaseKind.COMPLAINT:
        message = Message(_key(ctx, "complaint.remind"), args)
        await to_supervisors(ctx, message=message, key=notice_key(reminder, "sup"), case=case)
    else:
        message = Message(_key(ctx, "response.remind"), args)
        await to_desk(ctx, message=message, key=notice_key(reminder, "desk"), case=case)
    logger.info("response reminder for case %s", case.number)


@handles(ReminderKind.RESPONSE, "breach")
async def escalate_breach(ctx: JobContext, reminder: Reminder) -> None:
    """Escalates an unanswered case to the supervisors at the end of the response window."""
    case = await _unanswered(ctx, reminder)
    if case is None:
        return
    key = _key(ctx, "complaint.breach" if case.kind == CaseKind.COMPLAINT else "response.breach")
    hours = round(ctx.policy.response.total_seconds() / 3600)
    message = Message(key, {**case_args(case), "hours": hours})
    await to_supervisors(ctx, message=message, key=notice_key(reminder, "sup"), case=case)
    await webhooks.record_breach(
        ctx.session, case=case, standard="response", due_at=case.response_due_at, now=ctx.now
    )
    logger.warning("case %s breached the response window", case.number)
