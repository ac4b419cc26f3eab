"""The staff page (admins): the staff, removal with a confirmation, certificates, the audit log."""

from __future__ import annotations

import logging

from aiohttp import web

from domain.parsing import parse_day, parse_id
from domain.validation import InputError
from services import certifications as certs
from services import staff as staff_changes
from storage.models import Staff
from storage.repos import certifications, people
from web.access import Refused, Viewer, check_csrf, path_id, viewer
from web.deps import deps_key
from web.render import render

logger = logging.getLogger(__name__)

NOTICES = (
    "removed",
    "gone",
    "self",
    "settings_admin",
    "bad_role",
    "certified",
    "revoked",
    "bad_certificate",
)
OK_NOTICES = ("removed", "certified", "revoked")


def admin_viewer(request: web.Request) -> Viewer:
    """A logged-in admin; others get 403."""
    found = viewer(request)
    if "admin" not in found.roles:
        raise Refused("web.refused.role")
    return found


def _role(raw: object) -> str | None:
    """The role of a removal: empty for every role; an unknown one is refused."""
    role = str(raw or "")
    if role and role not in people.STAFF_ROLES:
        raise Refused("web.refused.role")
    return role or None


async def staff_page(request: web.Request) -> web.Response:
    """Lists the active staff with remove buttons, and the newest grants and removals."""
    admin_viewer(request)
    deps = request.app[deps_key]
    async with deps.reads() as session:
        members = [s for s in await people.list_staff(session) if s.active]
        audit = await people.audit_log(session)
        held = await certifications.all_held(session)
    notice = request.query.get("notice")
    return render(
        request,
        "staff.html",
        members=members,
        audit=audit,
        certificates=held,
        technicians=[s for s in members if "technician" in s.role_set],
        settings_admins=set(deps.settings.admin_ids),
        notice=notice if notice in NOTICES else None,
        notice_ok=notice in OK_NOTICES,
    )


async def remove_page(request: web.Request) -> web.Response:
    """Asks to confirm removing a staff member (or one role)."""
    admin_viewer(request)
    deps = request.app[deps_key]
    role = _role(request.query.get("role"))
    async with deps.reads() as session:
        member = await session.get(Staff, path_id(request, "staff_id"))
    if member is None or not member.active:
        raise web.HTTPFound("/staff?notice=gone")
    return render(request, "staff_remove.html", member=member, role=role)


async def remove(request: web.Request) -> web.Response:
    """Removes a staff member (or one role) after the confirmation form."""
    found = admin_viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    role = _role(form.get("role"))
    deps = request.app[deps_key]
    settings = deps.settings
    async with deps.sessions() as session, session.begin():
        member = await session.get(Staff, path_id(request, "staff_id"))
        by = await session.get(Staff, found.staff_id)
        if member is None or not member.active or by is None:
            notice = "gone"
        elif member.id == by.id:
            notice = "self"
        elif member.telegram_id in settings.admin_ids and role in (None, "admin"):
            notice = "settings_admin"
        else:
            removed = await staff_changes.remove(
                session,
                staff=member,
                role=role,
                by=staff_changes.by_staff(by),
                now=deps.clock.now(),
                route=staff_changes.route_of(settings),
                policy=deps.policy,
            )
            notice = "removed" if removed else "bad_role"
    if notice == "removed":
        logger.info("staff removed from the dashboard by staff %s", found.staff_id)
        deps.after_change()
    raise web.HTTPFound(f"/staff?notice={notice}")


async def certify(request: web.Request) -> web.Response:
    """Records, renews or revokes a technician's certificate for a product category."""
    found = admin_viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    deps = request.app[deps_key]
    member_id = parse_id(str(form.get("staff", "")))
    revoking = form.get("revoke") == "1"
    until = parse_day(str(form.get("until", "")))
    try:
        category = certs.clean_category(str(form.get("category", "")))
    except InputError:
        category = None
    async with deps.sessions() as session, session.begin():
        member = await session.get(Staff, member_id) if member_id is not None else None
        by = await session.get(Staff, found.staff_id)
        if member is None or not member.active or "technician" not in member.role_set:
            notice = "gone"
        elif by is None or category is None or (until is None and not revoking):
            notice = "bad_certificate"
        elif revoking:
            done = await certs.revoke(
                session, staff=member, category=category, by=staff_changes.by_staff(by).actor
            )
            notice = "revoked" if done else "bad_certificate"
        else:
            assert until is not None
            await certs.certify(
                session, staff=member, category=category, until=until,
                by=staff_changes.by_staff(by).actor, now=deps.clock.now(),
            )  # fmt: skip
            notice = "certified"
    raise web.HTTPFound(f"/staff?notice={notice}")
