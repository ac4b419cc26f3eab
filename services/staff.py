"""Staff roles granted and removed: every change is audited, dispatch and logins follow it."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from domain.event_data import Why
from domain.lifecycle import Action, Actor
from domain.policy import ServicePolicy
from services.desk import DeskRoute
from services.dispatch import back_to_queue
from storage.models import Staff
from storage.repos import dashboard as web_store
from storage.repos import people

logger = logging.getLogger(__name__)

REMOVED_REASON = "no longer on staff"


@dataclass(frozen=True)
class ChangedBy:
    """Who grants or removes a role, as the audit log shows it."""

    actor: str  # "settings", "cli", "invite" or "staff:<telegram id>"
    name: str | None = None
    telegram_id: int | None = None


SETTINGS = ChangedBy("settings")
CLI = ChangedBy("cli")


def route_of(settings: Settings) -> DeskRoute:
    """Where the desk is told of jobs back in the queue, from the settings."""
    return DeskRoute(settings.desk_chat_id, settings.default_language, settings.auto_assign)


def by_staff(staff: Staff) -> ChangedBy:
    """A change made by a staff member (an admin in chat or on the dashboard)."""
    return ChangedBy(f"staff:{staff.telegram_id}", staff.name, staff.telegram_id)


def _audit(
    session: AsyncSession, *, staff: Staff, roles: Collection[str], action: str, by: ChangedBy,
    now: datetime,
) -> None:  # fmt: skip
    """One audit row per role."""
    for role in sorted(roles):
        people.add_audit(
            session, at=now, actor=by.actor, actor_name=by.name, subject_id=staff.id,
            action=action, role=role,
        )  # fmt: skip
    logger.info("staff %s: %s %s by %s", staff.id, action, ",".join(sorted(roles)), by.actor)


async def grant(
    session: AsyncSession,
    *,
    telegram_id: int,
    name: str,
    roles: list[str],
    language: str,
    now: datetime,
    by: ChangedBy,
    phone: str | None = None,
    regions: list[str] | None = None,
    skills: list[str] | None = None,
    max_open_jobs: int = 5,
) -> Staff:
    """Adds a staff member or roles to one; the roles they did not hold are audited."""
    before = await people.staff_by_telegram_id(session, telegram_id=telegram_id)
    held = before.role_set if before is not None and before.active else frozenset()
    staff = await people.add_staff(
        session,
        telegram_id=telegram_id,
        name=name,
        roles=roles,
        language=language,
        now=now,
        phone=phone,
        regions=regions,
        skills=skills,
        max_open_jobs=max_open_jobs,
    )
    _audit(session, staff=staff, roles=set(roles) - held, action="grant", by=by, now=now)
    return staff


async def remove(
    session: AsyncSession,
    *,
    staff: Staff,
    role: str | None,
    by: ChangedBy,
    now: datetime,
    route: DeskRoute | None,
    policy: ServicePolicy,
) -> list[str]:
    """Takes one role (or all) from a staff member; the roles removed, empty if none held.

    Whoever holds no role any more is inactive: refused from their next update, their dashboard
    sessions end at once, and a technician's open jobs go back to the queue with the desk told.
    """
    held = staff.role_set
    removed = sorted(held if role is None else held & {role})
    if not removed or not staff.active:
        return []
    left = held - set(removed)
    staff.roles = ",".join(sorted(left))
    staff.active = bool(left)
    _audit(session, staff=staff, roles=removed, action="remove", by=by, now=now)
    if "technician" in removed:
        for case in await people.open_jobs_of(session, staff_id=staff.id):
            await back_to_queue(
                session,
                case=case,
                action=Action.UNASSIGN,
                actor=Actor.DESK,
                actor_id=by.telegram_id,
                now=now,
                reason=REMOVED_REASON,
                route=route,
                policy=policy,
                why=Why.NO_LONGER_ON_STAFF,
            )
    await web_store.end_web_access(session, staff_id=staff.id)
    await session.flush()
    return removed


async def follow_admin_settings(
    session: AsyncSession, *, admin_ids: Collection[int], now: datetime, policy: ServicePolicy
) -> None:
    """At start: the admin role follows AFTERSALES_ADMIN_IDS.

    Listed staff hold it; an admin no longer listed loses it unless a person granted it (an
    invite or the CLI). An admin role granted before grants were audited counts as the
    settings' (removing an id from the settings must not leave its holder an admin).
    """
    for staff in await people.staff_with_role(session, role="admin"):
        if staff.telegram_id in admin_ids:
            continue
        last = await people.last_grant(session, staff_id=staff.id, role="admin")
        if last is None or last.actor == SETTINGS.actor:
            await remove(
                session, staff=staff, role="admin", by=SETTINGS, now=now, route=None, policy=policy
            )
    for telegram_id in admin_ids:
        listed = await people.get_staff(session, telegram_id=telegram_id)
        if listed is not None and "admin" not in listed.role_set:
            await grant(
                session,
                telegram_id=telegram_id,
                name=listed.name,
                roles=["admin"],
                language=listed.language,
                now=now,
                by=SETTINGS,
                max_open_jobs=listed.max_open_jobs,
            )
