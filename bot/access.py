"""Who may do this: the checks every dialog and handler runs before acting for a user.

Each check answers a refused user itself (a popup on a button, a message otherwise) and
returns None, so a caller only has to stop.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.common import answer, edit_or_reply, pressed, reply
from bot.context import AppContext
from core.callbacks import AssignmentButton, JobButton
from domain.lifecycle import Actor, CaseStatus
from services import jobs
from storage.models import Assignment, Case, Customer, Staff
from storage.repos import cases as case_rows
from storage.repos import people

logger = logging.getLogger(__name__)

DESK_ROLES = frozenset({"dispatcher", "supervisor", "admin"})
TECH_ROLES = frozenset({"technician"})
ADMIN_ROLES = frozenset({"admin"})
SUPERVISOR_ROLES = frozenset({"supervisor"})


async def _refuse(update: Update, context: AppContext, key: str) -> None:
    """Says no, as a popup on a button or as a message."""
    if update.callback_query is not None:
        await answer(update, context, key)
    else:
        await reply(update, context, key)


async def registered_customer(update: Update, context: AppContext) -> Customer | None:
    """The registered customer behind an update, or None after asking them to register."""
    user = update.effective_user
    if user is None:
        return None
    customer = await people.get_customer(context.session, telegram_id=user.id)
    if customer is None or customer.registered_at is None:
        await _refuse(update, context, "register.first")
        return None
    return customer


async def staff_member(update: Update, context: AppContext, roles: frozenset[str]) -> Staff | None:
    """The active staff member behind the update if they hold one of the roles, else refuses."""
    user = update.effective_user
    staff = await people.get_staff(context.session, telegram_id=user.id) if user else None
    if staff is not None and staff.role_set & roles:
        return staff
    logger.warning("user %s refused a staff action", user.id if user else None)
    await _refuse(update, context, "common.not_allowed")
    return None


async def supervisor_of(update: Update, context: AppContext) -> Staff | None:
    """The supervisor behind an update, or None after telling the user it is not for them."""
    user = update.effective_user
    staff = await people.get_staff(context.session, telegram_id=user.id) if user else None
    if staff is None or not staff.role_set & SUPERVISOR_ROLES:
        await _refuse(update, context, "common.not_allowed")
        return None
    return staff


def desk_actor(staff: Staff) -> Actor:
    """The lifecycle actor a desk member acts as."""
    roles = staff.role_set
    if "dispatcher" in roles or "admin" in roles:
        return Actor.DESK
    return Actor.SUPERVISOR


async def running_assignment(
    update: Update, context: AppContext, staff: Staff, assignment_id: int, *, lock: bool = False
) -> tuple[Assignment, Case] | None:
    """The assignment and its case if it is this technician's and still waits for an answer."""
    assignment = await context.session.get(Assignment, assignment_id)
    if assignment is None or assignment.technician_id != staff.id:
        await answer(update, context, "common.not_allowed")
        return None
    case = (
        await case_rows.lock_case(context.session, case_id=assignment.case_id)
        if lock
        else await context.session.get(Case, assignment.case_id)
    )
    await context.session.refresh(assignment)
    if (
        case is None
        or assignment.ended_at is not None
        or case.technician_id != staff.id
        or case.status != CaseStatus.ASSIGNED
    ):
        await answer(update, context, "tech.job_gone")
        await edit_or_reply(update, context, "tech.job_gone")
        return None
    return assignment, case


async def assignment_of(
    update: Update, context: AppContext, *, lock: bool = False
) -> tuple[Staff, Assignment, Case] | None:
    """The technician, their running assignment named by the button (accept/decline), its case."""
    staff = await staff_member(update, context, TECH_ROLES)
    if staff is None:
        return None
    button = await pressed(update, context, AssignmentButton)
    if button is None:
        return None
    found = await running_assignment(update, context, staff, button.assignment_id, lock=lock)
    return (staff, *found) if found else None


async def own_job(
    update: Update, context: AppContext, statuses: tuple[CaseStatus, ...]
) -> tuple[Staff, Case] | None:
    """The technician and the job a button names (a job step) if theirs and in a status."""
    staff = await staff_member(update, context, TECH_ROLES)
    if staff is None:
        return None
    button = await pressed(update, context, JobButton)
    if button is None:
        return None
    case = await jobs.job_of(context.session, case_id=button.case_id, technician=staff)
    if case is None:
        await answer(update, context, "common.not_allowed")
        return None
    if case.status not in statuses:
        await answer(update, context, "tech.wrong_step", status={"$t": f"status.{case.status}"})
        return None
    return staff, case
