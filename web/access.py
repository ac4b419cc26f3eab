"""Who is looking: the logged-in staff member, role checks and CSRF checks."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from aiohttp import web

from domain.parsing import parse_id

COOKIE = "aftersales_session"
LANG_COOKIE = "aftersales_lang"
DESK_ROLES = frozenset({"dispatcher", "supervisor", "admin"})
ASSIGN_ROLES = frozenset({"dispatcher", "admin"})


@dataclass(frozen=True)
class Viewer:
    """The staff member behind a request."""

    staff_id: int
    name: str
    roles: frozenset[str]
    csrf_token: str
    language: str

    @property
    def desk(self) -> bool:
        """Sees every case, the technicians, the standards and the exports."""
        return bool(self.roles & DESK_ROLES)

    @property
    def may_assign(self) -> bool:
        """May assign and reassign technicians."""
        return bool(self.roles & ASSIGN_ROLES)


viewer_key = web.RequestKey("viewer", Viewer)


class Refused(Exception):
    """A request this viewer may not make; answered 403 with the catalog text `key`."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def viewer(request: web.Request) -> Viewer:
    """The logged-in staff member; anyone else is sent to the login help page."""
    found: Viewer | None = request.get(viewer_key)
    if found is None:
        raise web.HTTPFound("/login")
    return found


def desk_viewer(request: web.Request) -> Viewer:
    """A logged-in member of the desk (dispatcher, supervisor, admin); others get 403."""
    found = viewer(request)
    if not found.desk:
        raise Refused("web.refused.role")
    return found


def check_csrf(found: Viewer, submitted: object) -> None:
    """Refuses a form that does not carry this session's CSRF token."""
    if not isinstance(submitted, str) or not hmac.compare_digest(
        submitted.encode(), found.csrf_token.encode()
    ):
        raise Refused("web.refused.csrf")


def path_id(request: web.Request, name: str) -> int:
    """An id from the URL; one no row can have (too big, not ASCII digits) is a 404."""
    found = parse_id(request.match_info[name])
    if found is None:
        raise web.HTTPNotFound()
    return found
