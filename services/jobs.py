"""The technician's side of a job: accept or decline, check in on site, notes, the job list."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message, at
from domain.event_data import Arrival, ToTechnician
from domain.geo import haversine_m
from domain.lifecycle import Action, Actor, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import report_clock
from domain.warranty import Warranty
from services import notify, onsite, workflow
from services.desk import DeskRoute
from services.dispatch import back_to_queue
from storage.models import Assignment, Case, Staff
from storage.repos import cases as case_rows
from storage.repos import quotes, reminders
from storage.repos.assignments import current_assignment

logger = logging.getLogger(__name__)

OPEN_JOB_STATUSES = (
    CaseStatus.ASSIGNED,
    CaseStatus.ACCEPTED,
    CaseStatus.QUOTE_PENDING,
    CaseStatus.ON_SITE,
)


def round_of(assignment: Assignment, case: Case) -> int:
    """A reminder round unique per assignment and visit (keys must not repeat on follow-ups)."""
    return assignment.id * 100 + case.visits


async def accept(
    session: AsyncSession,
    *,
    case: Case,
    assignment: Assignment,
    technician: Staff,
    now: datetime,
    policy: ServicePolicy,
) -> None:
    """The technician takes the job: on-site clock starts, the customer learns who comes."""
    await workflow.move(
        session,
        case=case,
        action=Action.ACCEPT,
        actor=Actor.TECHNICIAN,
        actor_id=technician.telegram_id,
        now=now,
        data=ToTechnician(technician=technician.name, technician_id=technician.id),
    )
    case.accepted_at = now
    assignment.accepted_at = now
    await onsite.plan(session, case=case, now=now, policy=policy)
    await notify.to_customer(
        session,
        case=case,
        message=Message(
            "tech.customer_coming",
            {
                "number": case.number,
                "name": technician.name,
                "phone": technician.phone or "-",
                "onsite_due": at(case.onsite_due_at) if case.onsite_due_at else "-",
            },
        ),
        key=f"coming:{case.id}:{assignment.id}",
        now=now,
    )


async def decline(
    session: AsyncSession,
    *,
    case: Case,
    technician: Staff,
    reason: str,
    now: datetime,
    route: DeskRoute | None,
    policy: ServicePolicy,
) -> None:
    """The technician refuses the job: back to the queue, the desk is told why."""
    await back_to_queue(
        session,
        case=case,
        action=Action.DECLINE,
        actor=Actor.TECHNICIAN,
        actor_id=technician.telegram_id,
        now=now,
        reason=reason,
        route=route,
        policy=policy,
    )


async def job_of(session: AsyncSession, *, case_id: int, technician: Staff) -> Case | None:
    """The case only if it is this technician's open job."""
    return await case_rows.technician_case(
        session, case_id=case_id, technician_id=technician.id, statuses=OPEN_JOB_STATUSES
    )


async def open_jobs(session: AsyncSession, *, technician: Staff) -> list[Case]:
    """The technician's open jobs, nearest on-site deadline first."""
    return await case_rows.technician_cases(
        session, technician_id=technician.id, statuses=OPEN_JOB_STATUSES
    )


async def needs_quote(session: AsyncSession, *, case: Case) -> bool:
    """Out of warranty and no approved quote yet: work must wait."""
    if case.warranty != Warranty.OUT:
        return False
    return await quotes.approved_quote(session, case_id=case.id) is None


async def check_in(
    session: AsyncSession,
    *,
    case: Case,
    technician: Staff,
    latitude: float,
    longitude: float,
    now: datetime,
    policy: ServicePolicy,
) -> float | None:
    """Records the arrival and its distance from the site (metres, None without a site pin)."""
    distance: float | None = None
    if case.latitude is not None and case.longitude is not None:
        distance = round(haversine_m(case.latitude, case.longitude, latitude, longitude), 1)
    arrival = Arrival(latitude=latitude, longitude=longitude)
    if distance is not None:
        arrival["distance_m"] = distance
    await workflow.move(
        session,
        case=case,
        action=Action.CHECK_IN,
        actor=Actor.TECHNICIAN,
        actor_id=technician.telegram_id,
        now=now,
        data=arrival,
    )
    if case.arrived_at is None:
        case.arrived_at = now
    technician.last_latitude, technician.last_longitude = latitude, longitude  # for dispatch
    case.arrival_distance_m = distance
    running = await current_assignment(session, case_id=case.id)
    rnd = round_of(running, case) if running else case.visits
    await reminders.schedule_plan(session, case_id=case.id, plan=report_clock(now, policy, rnd))
    return distance


async def add_note(
    session: AsyncSession, *, case: Case, technician: Staff, text: str, now: datetime
) -> None:
    """Adds the technician's note to the case's timeline."""
    await case_rows.add_event(
        session,
        case=case,
        actor=Actor.TECHNICIAN,
        actor_id=technician.telegram_id,
        action="note",
        now=now,
        note=text,
    )
