"""What the desk does to a case from its page: cancel, reopen, a new on-site deadline, an internal
note, the warranty verified. Each records an event with who did it and tells those concerned."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message, at, term
from domain.event_data import Deadline, WarrantyChecked
from domain.lifecycle import BEFORE_SITE, Action, Actor, CaseKind, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import ReminderKind
from domain.sla import DeadlinePolicy
from domain.warranty import Warranty, warranty_status
from services import notify, onsite, workflow
from services.desk import DeskRoute
from services.dispatch import announce_new_case, end_assignment, withdraw_pending_quotes
from storage.models import Case, Product, Staff
from storage.repos import cases as case_rows
from storage.repos import people, reminders
from storage.repos import surveys as survey_rows

logger = logging.getLogger(__name__)

# The event actions this module adds (catalog `event.<action>`); their notes are data for the
# page to format (a moment, a warranty decision), never prose.
DEADLINE_EVENT = "onsite_deadline"
WARRANTY_EVENT = "verify_warranty"
# Events only staff see (the customer's own timeline in chat leaves them out).
INTERNAL_EVENTS = frozenset({"note", "flag"})


CANCELLABLE = frozenset({*BEFORE_SITE, CaseStatus.QUOTE_PENDING})


class ActionRefused(Exception):
    """The action does not apply to the case as it stands; `reason` names why (a catalog key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def may_cancel(case: Case) -> bool:
    """The desk may cancel before the technician is on site (complaints go to closure)."""
    return case.kind != CaseKind.COMPLAINT and CaseStatus(case.status) in CANCELLABLE


def may_reopen(case: Case) -> bool:
    """The desk may reopen a closed case (complaints reopen on the customer's verdict)."""
    return case.kind != CaseKind.COMPLAINT and CaseStatus(case.status) == CaseStatus.CLOSED


def may_change_deadline(case: Case) -> bool:
    """A visit not yet made (and not waiting on a quote) may get a new deadline."""
    return case.kind in onsite.VISIT_KINDS and CaseStatus(case.status) in BEFORE_SITE


async def _technician(session: AsyncSession, *, case: Case) -> Staff | None:
    """The technician holding the case, if any."""
    if case.technician_id is None:
        return None
    return await people.get_staff_by_id(session, staff_id=case.technician_id)


async def cancel(
    session: AsyncSession,
    *,
    case: Case,
    staff: Staff,
    actor: Actor,
    reason: str,
    now: datetime,
) -> None:
    """The desk cancels a case before the visit: reminders stop, customer and technician told."""
    if not may_cancel(case):
        raise ActionRefused("cannot_cancel")
    technician = await _technician(session, case=case)
    await workflow.move(
        session, case=case, action=Action.CANCEL, actor=actor, actor_id=staff.telegram_id,
        now=now, note=reason,
    )  # fmt: skip
    case.cancelled_at = now
    await withdraw_pending_quotes(session, case=case, now=now)  # nothing left to approve
    await end_assignment(
        session, case=case, now=now, reason="desk_cancelled", tell_technician=False
    )
    args = {"number": case.number, "reason": reason}
    await notify.to_customer(
        session, case=case, message=Message("caseact.customer_cancelled", args),
        key=f"deskcancel:{case.id}", now=now,
    )  # fmt: skip
    if technician is not None:
        await notify.to_staff(
            session, staff=technician, message=Message("caseact.tech_cancelled", args),
            key=f"deskcancel:{case.id}:tech", now=now, case=case,
        )  # fmt: skip
    logger.info("case %s cancelled by the desk", case.number, extra={"case": case.number})


async def reopen(
    session: AsyncSession,
    *,
    case: Case,
    staff: Staff,
    actor: Actor,
    reason: str,
    now: datetime,
    policy: ServicePolicy,
    route: DeskRoute | None,
) -> None:
    """A closed case goes back to the queue for a new round of work, as a survey reopen does."""
    if not may_reopen(case):
        raise ActionRefused("cannot_reopen")
    unsent = await survey_rows.survey_of_case(
        session, case_id=case.id, repair_round=case.reopen_count
    )
    if unsent is not None and unsent.status == "scheduled":
        # Not sent yet: nobody asks the customer about a repair the desk says is not done.
        await reminders.cancel(session, case_id=case.id, kinds=[ReminderKind.SURVEY], now=now)
    await workflow.reopen(
        session, case=case, actor=actor, actor_id=staff.telegram_id, now=now, policy=policy,
        note=reason,
    )  # fmt: skip
    await end_assignment(session, case=case, now=now, reason="reopened", tell_technician=False)
    case.technician_id = None  # back in the queue: nobody holds it until it is assigned again
    await notify.to_customer(
        session,
        case=case,
        message=Message("caseact.customer_reopened", {"number": case.number, "reason": reason}),
        key=f"deskreopen:{case.id}:{case.reopen_count}",
        now=now,
    )
    await announce_new_case(session, case=case, now=now, route=route, policy=policy)


def deadline_problem(deadline: datetime, now: datetime, policy: ServicePolicy) -> str | None:
    """Why a new on-site deadline cannot be set ("past", "too_far"), None if it can."""
    limits = DeadlinePolicy(tz=policy.tz, max_days=policy.max_onsite_days)
    return limits.check(deadline, now)


async def change_deadline(
    session: AsyncSession,
    *,
    case: Case,
    staff: Staff,
    actor: Actor,
    deadline: datetime,
    now: datetime,
    policy: ServicePolicy,
) -> None:
    """A new on-site deadline: old pings off, new ones planned, customer and technician told."""
    if not may_change_deadline(case):
        raise ActionRefused("cannot_change_deadline")
    problem = deadline_problem(deadline, now, policy)
    if problem is not None:
        raise ActionRefused(f"deadline_{problem}")
    if case.onsite_due_at is not None and case.onsite_due_at == deadline:
        raise ActionRefused("deadline_same")
    await reminders.cancel(session, case_id=case.id, kinds=[ReminderKind.ONSITE], now=now)
    case.onsite_due_at = deadline
    await onsite.plan(session, case=case, now=now, policy=policy)
    await case_rows.add_event(
        session, case=case, actor=actor, actor_id=staff.telegram_id, action=DEADLINE_EVENT,
        now=now, data=Deadline(onsite_due_at=deadline.isoformat()),
    )  # fmt: skip
    args = {"number": case.number, "onsite_due": at(deadline)}
    stamp = int(deadline.timestamp())
    await notify.to_customer(
        session, case=case, message=Message("caseact.customer_new_deadline", args),
        key=f"deskdeadline:{case.id}:{stamp}", now=now,
    )  # fmt: skip
    technician = await _technician(session, case=case)
    if technician is not None:
        await notify.to_staff(
            session, staff=technician, message=Message("caseact.tech_new_deadline", args),
            key=f"deskdeadline:{case.id}:{stamp}:tech", now=now, case=case,
        )  # fmt: skip


async def add_note(
    session: AsyncSession, *, case: Case, staff: Staff, actor: Actor, text: str, now: datetime
) -> None:
    """An internal note on the case's timeline (staff only; the customer never sees it)."""
    await case_rows.add_event(
        session, case=case, actor=actor, actor_id=staff.telegram_id, action="note", now=now,
        note=text,
    )  # fmt: skip


async def verify_warranty(
    session: AsyncSession,
    *,
    case: Case,
    product: Product,
    staff: Staff,
    actor: Actor,
    in_warranty: bool,
    warranty_end: date,
    now: datetime,
    policy: ServicePolicy,
) -> Warranty:
    """The desk checked the warranty: the product is verified and the case is in or out of it
    (out: a quote before any work); the technician holding the case is told."""
    if case.warranty != Warranty.UNVERIFIED or product.id != case.product_id:
        raise ActionRefused("warranty_verified_already")
    if CaseStatus(case.status) in (CaseStatus.CLOSED, CaseStatus.CANCELLED):
        raise ActionRefused("warranty_case_ended")
    # The warranty is judged on the day the fault was reported, as intake does.
    reported = case.created_at.astimezone(policy.tz).date()
    decided = warranty_status(warranty_end, reported)
    if decided != (Warranty.IN if in_warranty else Warranty.OUT):
        raise ActionRefused("warranty_date_mismatch")
    if abs(warranty_end - reported) > timedelta(days=365 * 50):
        raise ActionRefused("warranty_bad_date")
    product.warranty_end = warranty_end
    product.verified = True
    product.updated_at = now
    # Every open case of the product that waited for this check takes it (each judged on the
    # day its fault was reported), not only the case the desk happened to open.
    others = await case_rows.open_unverified_of_product(
        session, product_id=product.id, warranty=Warranty.UNVERIFIED
    )
    for each in [case, *(c for c in others if c.id != case.id)]:
        day = each.created_at.astimezone(policy.tz).date()
        each.warranty = warranty_status(warranty_end, day)
        await _warranty_decided(session, case=each, staff=staff, actor=actor, end=warranty_end,
                                now=now)  # fmt: skip
    return decided


async def _warranty_decided(
    session: AsyncSession, *, case: Case, staff: Staff, actor: Actor, end: date, now: datetime
) -> None:
    """The timeline records the check; the technician holding the case is told the result."""
    await case_rows.add_event(
        session, case=case, actor=actor, actor_id=staff.telegram_id, action=WARRANTY_EVENT,
        now=now, data=WarrantyChecked(warranty=case.warranty, warranty_end=end.isoformat()),
    )  # fmt: skip
    technician = await _technician(session, case=case)
    if technician is not None:
        key = (
            "caseact.tech_warranty_in"
            if case.warranty == Warranty.IN
            else "caseact.tech_warranty_out"
        )
        await notify.to_staff(
            session,
            staff=technician,
            message=Message(
                key,
                {
                    "number": case.number,
                    "warranty": term(f"warranty_staff.{case.warranty}"),
                    "end": end.isoformat(),
                },
            ),
            key=f"deskwarranty:{case.id}",
            now=now,
            case=case,
        )
