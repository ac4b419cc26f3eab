"""The admins' integrations page: API keys (create, revoke) and the webhook delivery log."""

from __future__ import annotations

from aiohttp import web

from domain.parsing import parse_id
from services.api_keys import NAME, SCOPES, KeyRefused, issue
from storage.repos import api_keys, webhooks
from web.access import Refused, Viewer, check_csrf, viewer
from web.deps import deps_key
from web.render import render

NOTICES = frozenset({"revoked", "not_revoked", "redelivered", "not_redelivered"})


def _admin(request: web.Request) -> Viewer:
    """A logged-in admin; others get 403."""
    found = viewer(request)
    if "admin" not in found.roles:
        raise Refused("web.refused.role")
    return found


async def _page(
    request: web.Request, *, new_key: str | None = None, error: str | None = None
) -> web.Response:
    """The page with the keys, the subscriptions and the latest deliveries."""
    deps = request.app[deps_key]
    async with deps.reads() as session:
        keys = await api_keys.list_keys(session)
        subscriptions = await webhooks.subscriptions(session)
        deliveries = await webhooks.deliveries(session)
    notice = request.query.get("notice")
    return render(
        request, "integrations.html", keys=keys, subscriptions=subscriptions,
        deliveries=deliveries, scopes=SCOPES, new_key=new_key, error=error,
        notice=notice if notice in NOTICES else None,
    )  # fmt: skip


async def integrations_page(request: web.Request) -> web.Response:
    """Shows the integrations page."""
    _admin(request)
    return await _page(request)


async def create_key(request: web.Request) -> web.Response:
    """Issues a key and shows it once on the page."""
    found = _admin(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    deps = request.app[deps_key]
    name = str(form.get("name", "")).strip()
    scopes = [str(s) for s in form.getall("scope", [])]
    try:
        async with deps.sessions() as session, session.begin():
            key = await issue(session, name=name, scopes=scopes, now=deps.clock.now())
    except KeyRefused as refused:
        return await _page(request, error=str(refused))
    return await _page(request, new_key=key)


async def revoke_key(request: web.Request) -> web.Response:
    """Revokes a key by name."""
    found = _admin(request)
    check_csrf(found, (await request.post()).get("csrf"))
    deps = request.app[deps_key]
    name = request.match_info["name"]
    done = False
    if NAME.match(name):  # no other name exists (and PostgreSQL refuses some characters)
        async with deps.sessions() as session, session.begin():
            done = await api_keys.revoke_key(session, name=name, now=deps.clock.now())
    raise web.HTTPFound(f"/integrations?notice={'revoked' if done else 'not_revoked'}")


async def redeliver(request: web.Request) -> web.Response:
    """Queues a webhook delivery again."""
    found = _admin(request)
    check_csrf(found, (await request.post()).get("csrf"))
    deps = request.app[deps_key]
    delivery_id = parse_id(request.match_info["delivery_id"])
    if delivery_id is None:
        raise web.HTTPNotFound()
    async with deps.sessions() as session, session.begin():
        done = await webhooks.redeliver(session, delivery_id=delivery_id, now=deps.clock.now())
    if done:
        deps.after_change()
    raise web.HTTPFound(f"/integrations?notice={'redelivered' if done else 'not_redelivered'}")
