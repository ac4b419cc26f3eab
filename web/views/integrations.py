"""The admins' integrations page: API keys (create, revoke) and the webhook delivery log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from domain.webhooks import EVENTS
from services.api_keys import NAME, SCOPES, KeyRefused, issue
from storage.repos import api_keys, webhooks
from web.access import check_csrf, path_id
from web.deps import deps_key
from web.render import render
from web.views.staff import admin_viewer

NOTICES = frozenset(
    {
        "revoked", "not_revoked", "redelivered", "not_redelivered",
        "webhook_removed", "webhook_tested", "webhook_gone",
    }
)  # fmt: skip


async def page(request: web.Request, **shown: Any) -> web.Response:
    """The page with the keys, the subscriptions and the latest deliveries (and what `shown`)."""
    deps = request.app[deps_key]
    async with deps.reads() as session:
        keys = await api_keys.list_keys(session)
        subscriptions = await webhooks.every_subscription(session)
        deliveries = await webhooks.deliveries(session)
    notice = request.query.get("notice")
    # What only some answers show (a new key or secret, a refusal, the form as sent).
    blank = dict.fromkeys(("new_key", "key_refused", "new_secret", "new_subscription", "refused"))
    shown = {**blank, "typed_url": "", "picked": [], **shown}
    return render(
        request, "integrations.html", keys=keys, subscriptions=subscriptions,
        deliveries=deliveries, scopes=SCOPES, events=EVENTS,
        notice=notice if notice in NOTICES else None, **shown,
    )  # fmt: skip


async def integrations_page(request: web.Request) -> web.Response:
    """Shows the integrations page."""
    admin_viewer(request)
    return await page(request)


async def create_key(request: web.Request) -> web.Response:
    """Issues a key and shows it once on the page."""
    found = admin_viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    deps = request.app[deps_key]
    name = str(form.get("name", "")).strip()
    scopes = [str(s) for s in form.getall("scope", [])]
    try:
        async with deps.sessions() as session, session.begin():
            key = await issue(session, name=name, scopes=scopes, now=deps.clock.now())
    except KeyRefused as refused:
        return await page(request, key_refused=refused)
    return await page(request, new_key=key)


async def revoke_key(request: web.Request) -> web.Response:
    """Revokes a key by name."""
    found = admin_viewer(request)
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
    found = admin_viewer(request)
    check_csrf(found, (await request.post()).get("csrf"))
    deps = request.app[deps_key]
    delivery_id = path_id(request, "delivery_id")
    async with deps.sessions() as session, session.begin():
        done = await webhooks.redeliver(session, delivery_id=delivery_id, now=deps.clock.now())
    if done:
        deps.after_change()
    raise web.HTTPFound(f"/integrations?notice={'redelivered' if done else 'not_redelivered'}")
