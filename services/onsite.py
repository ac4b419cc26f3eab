"""The on-site clock: planned from the customer's choice, paused on quotes, re-planned on a new
time, and the customer's answer to a missed visit (keep waiting, new time, cancel)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import LateAction, LateVisit
from core.messages import Button, Message, at
from domain.event_data import Because, Why
from domain.lifecycle import Action, Actor, CaseKind, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import ReminderKind, onsite_clock
from domain.sla import DeadlinePolicy, OnsiteChoice
from services import workflow
from services.desk import DeskRoute, to_desk
from storage.models import Case, Customer
from storage.repos import reminders

logger = logging.getLogger(__name__)

# The late-visit buttons' actions (core.callbacks.LateVisit).
KEEP, NEW_TIME, CANCEL = "keep", "new", "cancel"
# The new times offered: later today, tomorrow or the day after, by the end of the day.
NEW_TIME_CHOICES = ("today", "tomorrow", "after")
# The kinds of case that promise a technician on site.
VISIT_KINDS = frozenset({CaseKind.FAULT, CaseKind.INSTALLATION})


def late_data(action: LateAction, case_id: int) -> LateVisit:
    """A late-visit button."""
    return LateVisit(action, case_id)


def late_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    """Keep waiting / pick a new time / cancel, under the apology for a missed visit."""
    return (
        (Button("late.btn_keep", LateVisit("keep", case.id).pack()),),
        (Button("late.btn_new_time", LateVisit("new", case.id).pack()),),
        (Button("late.btn_cancel", LateVisit("cancel", case.id).pack()),),
    )


def _deadlines(policy: ServicePolicy) -> DeadlinePolicy:
    """The rules of the report-fault dialog's deadline choices."""
    return DeadlinePolicy(
        tz=policy.tz,
        urgent_hours=policy.urgent_onsite_hours,
        day_end_hour=policy.day_end_hour,
        max_days=policy.max_onsite_days,
    )


def new_time_options(now: datetime, policy: ServicePolicy) -> list[tuple[LateAction, datetime]]:
    """The new deadlines a customer may pick after a missed visit (those still possible)."""
    rules = _deadlines(policy)
    options: list[tuple[LateAction, datetime]] = []
    today = rules.quick_deadline(OnsiteChoice.TODAY, now)
    if today is not None:
        options.append(("today", today))
    tomorrow = rules.quick_deadline(OnsiteChoice.TOMORROW, now)
    if tomorrow is not None:
        options.append(("tomorrow", tomorrow))
        options.append(("after", tomorrow + timedelta(days=1)))
    return options


async def plan(session: AsyncSession, *, case: Case, now: datetime, policy: ServicePolicy) -> None:
    """Plans the pings and the breach for the case's current deadline (idempotent).

    Called only when the clock runs for that deadline, so rows of the same deadline that an
    earlier move cancelled come back: a quote approved within the minute leaves the deadline in
    the same minute (same keys), and a deadline moved away and back reuses its rows.
    """
    if case.onsite_due_at is None or case.kind not in VISIT_KINDS:
        return
    await reminders.restore_plan(
        session, case_id=case.id, plan=onsite_clock(case.onsite_due_at, now, policy)
    )


def pause(case: Case, now: datetime) -> None:
    """Stops the clock while the customer decides on a quote (the quote move cancels the rows)."""
    if case.onsite_due_at is not None and case.arrived_at is None:
        case.quote_pending_since = now


async def resume(
    session: AsyncSession, *, case: Case, now: datetime, policy: ServicePolicy
) -> None:
    """After the customer's decision: the deadline moves by the pause and is planned again."""
    since = case.quote_pending_since
    case.quote_pending_since = None
    if since is None or case.onsite_due_at is None:
        return
    paused = now - since
    case.onsite_paused_seconds = (case.onsite_paused_seconds or 0) + int(paused.total_seconds())
    case.onsite_due_at = case.onsite_due_at + paused
    if CaseStatus(case.status) in (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.ACCEPTED):
        await plan(session, case=case, now=now, policy=policy)


async def reschedule(
    session: AsyncSession,
    *,
    case: Case,
    deadline: datetime,
    now: datetime,
    policy: ServicePolicy,
    route: DeskRoute | None,
) -> None:
    """The customer picked a new time: old pings cancelled, new ones planned, desk told."""
    await reminders.cancel(session, case_id=case.id, kinds=[ReminderKind.ONSITE], now=now)
    case.onsite_due_at = deadline
    await plan(session, case=case, now=now, policy=policy)
    await to_desk(
        session,
        message=Message("late.desk_new_time", {"number": case.number, "onsite_due": at(deadline)}),
        key=f"late:new:{case.id}:{int(deadline.timestamp())}",
        now=now,
        case=case,
        route=route,
    )


async def cancel_late(
    session: AsyncSession, *, case: Case, customer: Customer, now: datetime
) -> None:
    """The customer gave up waiting: the case is cancelled as from the case list."""
    await workflow.move(
        session,
        case=case,
        action=Action.CANCEL,
        actor=Actor.CUSTOMER,
        actor_id=customer.telegram_id,
        now=now,
        data=Because(why=Why.LATE_VISIT),
    )
    case.cancelled_at = now
