"""Webhook subscriptions on the admins' integrations page: add, test, remove (after asking)."""

from __future__ import annotations

import logging

from aiohttp import web

from services.webhook_subscriptions import SubscriptionRefused, queue_test, subscribe
from storage.repos import webhooks
from web.access import check_csrf, path_id
from web.deps import deps_key
from web.render import render
from web.views.integrations import page
from web.views.staff import admin_viewer

logger = logging.getLogger(__name__)


async def add(request: web.Request) -> web.Response:
    """Subscribes a URL to the ticked events; shows the signing secret once."""
    found = admin_viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    deps = request.app[deps_key]
    url = str(form.get("url", ""))
    events = [str(e) for e in form.getall("event", [])]
    try:
        async with deps.sessions() as session, session.begin():
            subscription_id, secret = await subscribe(
                session, url=url, events=events, now=deps.clock.now()
            )
    except SubscriptionRefused as refused:
        # The form comes back as it was sent, with the reason in the viewer's language.
        return await page(request, refused=refused, typed_url=url, picked=events)
    logger.info("webhook %s added by staff %s", subscription_id, found.staff_id)
    return await page(request, new_secret=secret, new_subscription=subscription_id)


async def remove_page(request: web.Request) -> web.Response:
    """Asks to confirm ending a subscription."""
    admin_viewer(request)
    deps = request.app[deps_key]
    async with deps.reads() as session:
        row = await webhooks.live_subscription(
            session, subscription_id=path_id(request, "subscription_id")
        )
    if row is None:
        raise web.HTTPFound("/integrations?notice=webhook_gone")
    return render(request, "webhook_remove.html", subscription=row)


async def remove(request: web.Request) -> web.Response:
    """Ends a subscription after the confirmation form (its pending deliveries are dropped)."""
    found = admin_viewer(request)
    check_csrf(found, (await request.post()).get("csrf"))
    deps = request.app[deps_key]
    subscription_id = path_id(request, "subscription_id")
    async with deps.sessions() as session, session.begin():
        done = await webhooks.remove_subscription(
            session, subscription_id=subscription_id, now=deps.clock.now()
        )
    if done:
        logger.info(
            "webhook %s removed from the dashboard by staff %s", subscription_id, found.staff_id
        )
    raise web.HTTPFound(f"/integrations?notice={'webhook_removed' if done else 'webhook_gone'}")


async def test(request: web.Request) -> web.Response:
    """Queues a `webhook.test` event to one subscription, as `aftersales webhook test` does."""
    found = admin_viewer(request)
    check_csrf(found, (await request.post()).get("csrf"))
    deps = request.app[deps_key]
    async with deps.sessions() as session, session.begin():
        done = await queue_test(
            session, subscription_id=path_id(request, "subscription_id"), now=deps.clock.now()
        )
    if done:
        deps.after_change()  # wakes the sender
    raise web.HTTPFound(f"/integrations?notice={'webhook_tested' if done else 'webhook_gone'}")
