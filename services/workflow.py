"""Moving a case through the transition table, with its event and moot reminders."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import lifecycle
from domain.event_data import EventData
from domain.lifecycle import Action, Actor, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import moot_kinds, response_clock
from storage.models import Case
from storage.repos import cases as case_rows
from storage.repos import reminders

logger = logging.getLogger(__name__)


async def move(
    session: AsyncSession,
    *,
    case: Case,
    action: Action,
    actor: Actor,
    actor_id: int | None,
    now: datetime,
    note: str | None = None,
    data: EventData | None = None,
) -> CaseStatus:
    """The only way a status changes: checks the table, logs the event, cancels moot reminders."""
    source = CaseStatus(case.status)
    target = lifecycle.transition(source, action, actor)
    case.status = target
    await case_rows.add_event(
        session,
        case=case,
        actor=actor,
        actor_id=actor_id,
        action=action,
        now=now,
        from_status=source,
        to_status=target,
        note=note,
        data=data,
    )
    logger.info(
        "case %s: %s, %s -> %s", case.number, action, source, target, extra={"case": case.number}
    )
    moot = moot_kinds(action, actor)
    if moot:
        await reminders.cancel(session, case_id=case.id, kinds=moot, now=now)
    return target


async def reopen(
    session: AsyncSession,
    *,
    case: Case,
    actor: Actor,
    actor_id: int | None,
    now: datetime,
    policy: ServicePolicy,
    note: str | None = None,
    data: EventData | None = None,
) -> None:
    """Back to `new` after a bad outcome: counted against first-time fix, response clock anew."""
    await move(
        session,
        case=case,
        action=Action.REOPEN,
        actor=actor,
        actor_id=actor_id,
        now=now,
        note=note,
        data=data,
    )
    case.reopen_count += 1
    case.first_time_fix = False
    case.resolved_at = None
    case.responded_at = None
    case.response_due_at = policy.response_due(now)
    await reminders.schedule_plan(
        session, case_id=case.id, plan=response_clock(now, policy, case.reopen_count)
    )
