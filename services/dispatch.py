"""The desk's side of dispatch: announcing cases, ranking and assigning technicians, the queue."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import AcceptJob, DeclineJob
from core.messages import Button, Message
from domain.dispatch import Candidate, Point, Ranked, auto_pick, rank
from domain.event_data import Because, ToTechnician, Why
from domain.geo import on_earth
from domain.lifecycle import Action, Actor, CaseKind, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import accept_window
from services import notify, onsite, workflow
from services.desk import DeskRoute, assign_button, case_card, shown_reason, to_desk
from storage.models import Assignment, Case, Quote, Staff
from storage.repos import assignments, certifications, people, reminders, webhooks
from storage.repos import cases as case_rows
from storage.repos import quotes as quote_rows

logger = logging.getLogger(__name__)

ASSIGNABLE = (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.ACCEPTED)


async def announce_new_case(
    session: AsyncSession,
    *,
    case: Case,
    now: datetime,
    route: DeskRoute | None = None,
    policy: ServicePolicy | None = None,
) -> int:
    """Tells the desk about a new (or reopened) case; auto-assigns it if the policy says so."""
    if case.kind == CaseKind.COMPLAINT:
        return 0  # complaints have an owner and skip dispatch
    card = await case_card(session, case=case)
    if route is not None and route.auto_assign and policy is not None:
        today = now.astimezone(policy.tz).date()
        pick = auto_pick(
            await candidates(session, case=case, today=today),
            region=case.region,
            category=case.category,
        )
        technician = (
            await people.get_staff_by_id(session, staff_id=pick.candidate.staff_id)
            if pick
            else None
        )
        if pick is not None and technician is not None:
            await assign(
                session, case=case, technician=technician, by=None, actor=Actor.SYSTEM,
                now=now, policy=policy, rank_reason=pick.code(),
                certification=pick.certification,
            )  # fmt: skip
            card["name"] = technician.name
            return await to_desk(
                session,
                message=Message("desk.auto_assigned", card),
                key=f"new:{case.id}:{case.reopen_count}",
                now=now,
                case=case,
                route=route,
            )
    message = Message("desk.new_case", card, buttons=assign_button(case))
    return await to_desk(
        session,
        message=message,
        key=f"new:{case.id}:{case.reopen_count}",
        now=now,
        case=case,
        route=route,
    )


async def candidates(
    session: AsyncSession, *, case: Case, today: date | None = None
) -> list[Ranked]:
    """Every active technician, ranked for this case (certified for its category first).

    `today` (the department's local day) turns the certificates on; without it they are not
    looked at (a view that only lists technicians).
    """
    loads = await people.open_job_counts(session)
    techs = await people.staff_with_role(session, role="technician")
    # A department that records no certificates yet is not asked about them at every assign.
    in_use = (
        today is not None and bool(case.category) and await certifications.any_recorded(session)
    )
    certified = (
        await certifications.valid_until_by_staff(session, category=case.category or "")
        if in_use
        else {}
    )
    pool = [
        Candidate(
            staff_id=t.id,
            name=t.name,
            regions=tuple(t.region_list),
            skills=tuple(t.skill_list),
            open_jobs=loads.get(t.id, 0),
            max_open_jobs=t.max_open_jobs,
            position=position_of(t, on_job=loads.get(t.id, 0) > 0),
            certified_until=certified.get(t.id),
        )
        for t in techs
    ]
    return rank(
        pool,
        region=case.region,
        category=case.category,
        site=site_of(case),
        today=today if in_use else None,
    )


def site_of(case: Case) -> Point | None:
    """The case's shared location, if the customer sent one (typed addresses are not geocoded)."""
    return on_earth(case.latitude, case.longitude)


def position_of(technician: Staff, *, on_job: bool) -> Point | None:
    """Where a technician is: their last check-in while on a job, else their base."""
    last = on_earth(technician.last_latitude, technician.last_longitude)
    if on_job and last is not None:
        return last
    return on_earth(technician.base_latitude, technician.base_longitude)


async def end_assignment(
    session: AsyncSession,
    *,
    case: Case,
    now: datetime,
    reason: str,
    tell_technician: bool,
    release: bool = True,
) -> Assignment | None:
    """Ends the running assignment; release frees the case (closed cases keep their technician)."""
    running = await assignments.current_assignment(session, case_id=case.id)
    if running is None:
        return None
    running.ended_at = now
    running.end_reason = reason[:500]
    if release:
        case.technician_id = None
    if tell_technician:
        tech = await people.get_staff_by_id(session, staff_id=running.technician_id)
        if tech is not None:
            await notify.to_staff(
                session,
                staff=tech,
                message=Message(
                    "tech.withdrawn", {"number": case.number, "reason": shown_reason(reason)}
                ),
                key=f"withdrawn:{case.id}:{running.id}",
                now=now,
                case=case,
            )
    await session.flush()
    return running


async def dispatch_notice(
    session: AsyncSession, *, case: Case, assignment: Assignment, technician: Staff, now: datetime
) -> None:
    """Sends the job to the technician's phone: details, photos, map pin, Accept / Decline."""
    args = await case_card(session, case=case)  # with the customer's name and phone
    location = (
        (case.latitude, case.longitude)
        if case.latitude is not None and case.longitude is not None
        else None
    )
    buttons = (
        (
            Button("tech.btn_accept", AcceptJob(assignment.id).pack()),
            Button("tech.btn_decline", DeclineJob(assignment.id).pack()),
        ),
    )
    key = f"dispatch:{case.id}:{assignment.id}"
    await notify.to_staff(
        session,
        staff=technician,
        message=Message("tech.dispatch", args, buttons=buttons, location=location),
        key=key,
        now=now,
        case=case,
    )
    for photo in await case_rows.photos_of(session, case_id=case.id):
        await notify.to_staff(
            session,
            staff=technician,
            message=Message("tech.photo", {"number": case.number}, photo_file_id=photo.file_id),
            key=f"{key}:photo:{photo.id}",
            now=now,
            case=case,
        )


async def assign(
    session: AsyncSession,
    *,
    case: Case,
    technician: Staff,
    by: Staff | None,
    actor: Actor,
    now: datetime,
    policy: ServicePolicy,
    rank_reason: str | None = None,
    reason: str | None = None,
    certification: str | None = None,
) -> Assignment:
    """Gives the case to a technician (or to another one), starts the accept window."""
    if CaseStatus(case.status) == CaseStatus.NEW:
        action = Action.ASSIGN
    else:
        action = Action.REASSIGN
        await end_assignment(
            session,
            case=case,
            now=now,
            reason=reason or "reassigned",
            tell_technician=True,
        )
    await workflow.move(
        session,
        case=case,
        action=action,
        actor=actor,
        actor_id=by.telegram_id if by else None,
        now=now,
        note=reason,
        data=ToTechnician(technician=technician.name, technician_id=technician.id),
    )
    assignment = Assignment(
        case_id=case.id,
        technician_id=technician.id,
        assigned_by=by.id if by else None,
        assigned_at=now,
        rank_reason=(rank_reason or "")[:200] or None,
        certification=certification,
    )
    case.technician_id = technician.id
    if by is not None and case.responded_at is None:
        case.responded_at = now  # the first human response stops the response clock
    await assignments.add_assignment(session, assignment=assignment)
    await reminders.schedule_plan(
        session, case_id=case.id, plan=accept_window(now, policy, assignment.id)
    )
    await webhooks.record_case(session, case=case, event="case.assigned", now=now)
    await dispatch_notice(
        session, case=case, assignment=assignment, technician=technician, now=now
    )
    logger.info("case %s assigned to staff %s", case.number, technician.id)
    return assignment


async def unassign(
    session: AsyncSession,
    *,
    case: Case,
    by: Staff,
    actor: Actor,
    now: datetime,
    reason: str,
    policy: ServicePolicy,
) -> None:
    """Takes the case back from its technician into the queue, with the reason."""
    waiting = case.status == CaseStatus.QUOTE_PENDING
    await workflow.move(
        session,
        case=case,
        action=Action.UNASSIGN,
        actor=actor,
        actor_id=by.telegram_id,
        now=now,
        note=reason,
    )
    await end_assignment(session, case=case, now=now, reason=reason, tell_technician=True)
    if waiting:
        await _withdraw_quote(session, case=case, now=now, policy=policy)


async def withdraw_pending_quotes(
    session: AsyncSession, *, case: Case, now: datetime
) -> list[Quote]:
    """Marks the case's quotes still awaiting the customer withdrawn; returns them."""
    pending = await quote_rows.quotes_in_status(session, case_id=case.id, status="pending")
    for quote in pending:
        quote.status, quote.decided_at = "withdrawn", now
    return pending


async def _withdraw_quote(
    session: AsyncSession, *, case: Case, now: datetime, policy: ServicePolicy
) -> None:
    """The technician who quoted is gone: their quote is withdrawn (the next technician quotes
    anew), the customer is told, and the paused on-site clock runs again with its pings."""
    for quote in await withdraw_pending_quotes(session, case=case, now=now):
        await notify.to_customer(
            session,
            case=case,
            message=Message("desk.quote_withdrawn", {"number": case.number}),
            key=f"qwithdrawn:{quote.id}",
            now=now,
        )
    await onsite.resume(session, case=case, now=now, policy=policy)


_BACK_TO_QUEUE_NOTICE = {Action.DECLINE: "desk.declined", Action.UNASSIGN: "desk.staff_removed"}


async def back_to_queue(
    session: AsyncSession,
    *,
    case: Case,
    action: Action,
    actor: Actor,
    actor_id: int | None,
    now: datetime,
    reason: str,
    route: DeskRoute | None,
    policy: ServicePolicy,
    why: Why | None = None,
) -> None:
    """A declined, unanswered or orphaned job: the case returns to the queue, the desk is told.

    `reason` is the assignment's end reason; the event keeps it as typed text unless `why`
    names a fixed one."""
    waiting = case.status == CaseStatus.QUOTE_PENDING
    await workflow.move(
        session, case=case, action=action, actor=actor, actor_id=actor_id, now=now,
        note=None if why else reason, data=Because(why=why) if why else None,
    )  # fmt: skip
    # Told only of a timeout: a technician who declined knows, one removed from staff is gone.
    running = await end_assignment(
        session,
        case=case,
        now=now,
        reason=reason,
        tell_technician=action == Action.ACCEPT_TIMEOUT,
    )
    if waiting:
        await _withdraw_quote(session, case=case, now=now, policy=policy)
    tech = (
        await people.get_staff_by_id(session, staff_id=running.technician_id) if running else None
    )
    key = _BACK_TO_QUEUE_NOTICE.get(action, "desk.accept_timeout")
    args = {
        "number": case.number,
        "name": tech.name if tech else "-",
        "reason": shown_reason(reason),
    }
    await to_desk(
        session,
        message=Message(key, args, buttons=assign_button(case)),
        key=f"{action}:{case.id}:{running.id if running else 0}",
        now=now,
        case=case,
        route=route,
    )


async def on_customer_cancel(
    session: AsyncSession, *, case: Case, now: datetime, route: DeskRoute | None = None
) -> None:
    """After a customer cancelled: the technician's job ends and the desk is told."""
    await end_assignment(session, case=case, now=now, reason="cancelled", tell_technician=True)
    await to_desk(
        session,
        message=Message("desk.case_cancelled", {"number": case.number}),
        key=f"cancelled:{case.id}",
        now=now,
        case=case,
        route=route,
    )
