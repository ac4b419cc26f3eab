"""Dispatch clocks: the technician's accept window, the report reminder, the quote's
reminder and flag, and the autoclose of a report the customer did not answer."""

from __future__ import annotations

import logging

from core.callbacks import AcceptJob, DeclineJob, StartReport
from core.messages import Button, Message
from domain.event_data import Quoted, Why
from domain.lifecycle import Action, Actor, CaseStatus
from scheduler.registry import JobContext, handles
from services import closing, notify, quotes
from services.desk import DeskRoute, to_desk
from services.dispatch import back_to_queue
from storage.models import Case, Reminder
from storage.repos import cases as case_rows
from storage.repos import people
from storage.repos import quotes as quote_rows
from storage.repos.assignments import current_assignment

logger = logging.getLogger(__name__)


def round_of(reminder: Reminder) -> int:
    """The round a reminder's key carries (case:<id>:<kind>:<stage>:<round>)."""
    return int(reminder.key.rsplit(":", 1)[1])


def desk_route(context: JobContext) -> DeskRoute:
    """Where desk notices go."""
    settings = context.settings
    return DeskRoute(settings.desk_chat_id, settings.default_language, settings.auto_assign)


async def _case(context: JobContext, reminder: Reminder, status: CaseStatus) -> Case | None:
    """The reminder's case if it is still in the status the reminder was planned for."""
    if reminder.case_id is None:
        return None
    case = await case_rows.get_case(context.session, case_id=reminder.case_id)
    if case is None or case.status != status:
        return None
    return case


@handles("accept", "remind")
async def accept_remind(context: JobContext, reminder: Reminder) -> None:
    """Reminds the technician of a job they have not answered yet."""
    case = await _case(context, reminder, CaseStatus.ASSIGNED)
    running = await current_assignment(context.session, case_id=case.id) if case else None
    if case is None or running is None or running.id != round_of(reminder):
        return
    tech = await people.get_staff_by_id(context.session, staff_id=running.technician_id)
    if tech is None:
        return
    left = context.policy.accept_timeout - context.policy.accept_reminder
    minutes = int(left.total_seconds() // 60)
    buttons = (
        (
            Button("tech.btn_accept", AcceptJob(running.id).pack()),
            Button("tech.btn_decline", DeclineJob(running.id).pack()),
        ),
    )
    await notify.to_staff(
        context.session,
        staff=tech,
        message=Message(
            "tech.accept_reminder", {"number": case.number, "minutes": minutes}, buttons
        ),
        key=f"acceptremind:{case.id}:{running.id}",
        now=context.now,
        case=case,
    )


@handles("accept", "timeout")
async def accept_timeout(context: JobContext, reminder: Reminder) -> None:
    """No answer in the accept window: back to the queue, desk and technician told."""
    case = await _case(context, reminder, CaseStatus.ASSIGNED)
    running = await current_assignment(context.session, case_id=case.id) if case else None
    if case is None or running is None or running.id != round_of(reminder):
        return
    await back_to_queue(
        context.session,
        case=case,
        action=Action.ACCEPT_TIMEOUT,
        actor=Actor.SYSTEM,
        actor_id=None,
        now=context.now,
        reason="timeout",
        route=desk_route(context),
        policy=context.policy,
        why=Why.TIMEOUT,
    )


@handles("report", "remind")
async def report_remind(context: JobContext, reminder: Reminder) -> None:
    """Reminds a technician on site for hours that the report is missing."""
    case = await _case(context, reminder, CaseStatus.ON_SITE)
    tech = (
        await people.get_staff_by_id(context.session, staff_id=case.technician_id)
        if case and case.technician_id
        else None
    )
    if case is None or tech is None:
        return
    await notify.to_staff(
        context.session,
        staff=tech,
        message=Message(
            "tech.report_reminder",
            {"number": case.number},
            ((Button("tech.btn_report", StartReport(case.id).pack()),),),
        ),
        key=f"reportremind:{reminder.id}",
        now=context.now,
        case=case,
    )


@handles("quote", "remind")
async def quote_remind(context: JobContext, reminder: Reminder) -> None:
    """Reminds the customer of a quote they have not decided."""
    case = await _case(context, reminder, CaseStatus.QUOTE_PENDING)
    quote = await quote_rows.pending_quote(context.session, case_id=case.id) if case else None
    if case is None or quote is None or quote.id != round_of(reminder):
        return
    await notify.to_customer(
        context.session,
        case=case,
        message=quotes.quote_message(case, quote, reminder=True),
        key=f"quoteremind:{quote.id}",
        now=context.now,
    )


@handles("quote", "flag")
async def quote_flag(context: JobContext, reminder: Reminder) -> None:
    """A quote undecided for days: the flag goes on the case's timeline and the desk is told."""
    case = await _case(context, reminder, CaseStatus.QUOTE_PENDING)
    quote = await quote_rows.pending_quote(context.session, case_id=case.id) if case else None
    if case is None or quote is None or quote.id != round_of(reminder):
        return
    await case_rows.add_event(
        context.session, case=case, actor=Actor.SYSTEM, actor_id=None, action="flag",
        now=context.now, data=Quoted(quote_id=quote.id, why=Why.QUOTE_UNDECIDED),
    )  # fmt: skip
    hours = int(context.policy.quote_flag.total_seconds() // 3600)
    await to_desk(
        context.session,
        message=Message("desk.quote_flagged", {"number": case.number, "hours": hours}),
        key=f"quoteflag:{quote.id}",
        now=context.now,
        case=case,
        route=desk_route(context),
    )


@handles("confirm", "autoclose")
async def confirm_autoclose(context: JobContext, reminder: Reminder) -> None:
    """The customer did not confirm or dispute the report: the case closes."""
    case = await _case(context, reminder, CaseStatus.RESOLVED)
    if case is None or case.visits != round_of(reminder):
        return
    await closing.autoclose(context.session, case=case, now=context.now, policy=context.policy)
