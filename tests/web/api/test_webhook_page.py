"""Webhook subscriptions on the admins' integrations page: added, tested, removed in a browser."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from storage.models import WebhookDelivery, WebhookSubscription
from tests.harness import Harness
from tests.web.api.conftest import Receiver
from tests.web.conftest import Client, add_staff, log_in

SECRET = re.compile(r'<code id="new-secret">([^<]+)</code>')


async def stored(harness: Harness) -> tuple[int, int]:
    """How many subscriptions and deliveries are stored."""
    async with harness.session() as session:
        subscriptions = await session.scalar(select(func.count(WebhookSubscription.id)))
        deliveries = await session.scalar(select(func.count(WebhookDelivery.id)))
    return subscriptions or 0, deliveries or 0


async def test_an_admin_adds_tests_and_removes_a_webhook_on_the_page(
    harness: Harness, client: Client, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    await add_staff(harness, 7801, ["admin"], name="Admin Hu")
    csrf = await log_in(harness, client, 7801)
    page = await (await client.get("/integrations")).text()
    assert "Add webhook" in page
    assert "<code>standard.breached</code>: a response or on-site deadline is missed" in page

    for sent, reason in (
        (
            [("url", "ftp://example.com/x"), ("event", "case.created")],
            "Not an http:// or https://",
        ),
        (
            [("url", "javascript:alert(1)"), ("event", "case.created")],
            "Not an http:// or https://",
        ),
        ([("url", url + "x" * 500), ("event", "case.created")], "at most 500 characters"),
        ([("url", url + "\x00"), ("event", "case.created")], "Not an http:// or https://"),
        ([("url", "http://[::1/x"), ("event", "case.created")], "Not an http:// or https://"),
        ([("url", url), ("event", "case.exploded")], "Unknown events: case.exploded."),
        ([("url", url)], "Tick at least one of the events below."),
    ):
        refused = await client.post("/integrations/webhooks", data=[("csrf", csrf), *sent])
        html = await refused.text()
        assert refused.status == 200 and reason in html, sent
        assert 'id="webhook-error"' in html and SECRET.search(html) is None
    assert await stored(harness) == (0, 0)

    made = await client.post(
        "/integrations/webhooks",
        data=[("csrf", csrf), ("url", url), ("event", "case.created"), ("event", "case.assigned")],
    )
    html = await made.text()
    found = SECRET.search(html)
    assert found is not None and "shown only this once" in html
    hooks.secret = found.group(1)
    async with harness.session() as session:
        row = await session.scalar(select(WebhookSubscription))
    assert row is not None and (row.url, row.events, row.secret) == (
        url, "case.created,case.assigned", hooks.secret,
    )  # fmt: skip
    listed = await (await client.get("/integrations")).text()
    assert hooks.secret not in listed  # shown once, never again
    assert f"<code>{url}</code>" in listed
    assert "<code>case.assigned</code>: a case is given to a technician" in listed

    tested = await client.post(f"/integrations/webhooks/{row.id}/test", data={"csrf": csrf})
    assert "A test event is queued for the webhook" in await tested.text()
    await hooks.wait_for(1)
    assert hooks.events() == [("webhook.test", 200)] and hooks.seen[0]["valid"]
    assert json.loads(hooks.seen[0]["body"])["data"] == {"subscription_id": row.id}

    asked = await client.get(f"/integrations/webhooks/{row.id}/remove")
    question = await asked.text()
    assert f"Stop sending events to {url} (webhook #{row.id})?" in question
    assert await stored(harness) == (1, 1)  # asking removes nothing
    removed = await client.post(f"/integrations/webhooks/{row.id}/remove", data={"csrf": csrf})
    html = await removed.text()
    assert "The webhook is removed" in html and "removed " in html
    assert f"/integrations/webhooks/{row.id}/test" not in html
    async with harness.session() as session:
        gone = await session.get(WebhookSubscription, row.id)
    assert gone is not None and gone.removed_at is not None
    again = await client.get(f"/integrations/webhooks/{row.id}/remove")
    assert "No live webhook has that number." in await again.text()
    late = await client.post(f"/integrations/webhooks/{row.id}/test", data={"csrf": csrf})
    assert "No live webhook has that number." in await late.text()
    assert (await client.post("/integrations/webhooks/999999999/remove", data={"csrf": csrf})).ok
    assert (await client.get("/integrations/webhooks/9999999999/remove")).status == 404


async def test_only_admins_with_the_sessions_token_change_webhooks(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 7811, ["dispatcher", "supervisor"], name="Desk Ma")
    await add_staff(harness, 7812, ["admin"], name="Admin Hu", language="zh_CN")
    url = "http://127.0.0.1:9/hooks"
    desk_csrf = await log_in(harness, client, 7811)
    form = [("csrf", desk_csrf), ("url", url), ("event", "case.created")]
    assert (await client.post("/integrations/webhooks", data=form)).status == 403
    assert (await client.get("/integrations/webhooks/1/remove")).status == 403
    assert (await client.post("/integrations/webhooks/1/test", data=form)).status == 403
    assert (await client.post("/integrations/webhooks/1/remove", data=form)).status == 403
    client.session.cookie_jar.clear()

    csrf = await log_in(harness, client, 7812)
    forged = [("csrf", "forged"), ("url", url), ("event", "case.created")]
    assert (await client.post("/integrations/webhooks", data=forged)).status == 403
    assert await stored(harness) == (0, 0)
    made = await client.post("/integrations/webhooks", data=[("csrf", csrf), *forged[1:]])
    html = await made.text()
    assert SECRET.search(html) is not None and "仅显示这一次" in html
    assert "<code>case.created</code>: 新建工单" in html
    refused = await client.post("/integrations/webhooks", data=[("csrf", csrf), ("url", url)])
    assert "请至少勾选下方的一个事件。" in await refused.text()
    no_scope = await client.post("/integrations/keys", data={"csrf": csrf, "name": "bi"})
    assert "请至少勾选一个权限范围" in await no_scope.text()  # a key refused in her language too
    async with harness.session() as session:
        row = await session.scalar(select(WebhookSubscription))
    assert row is not None
    test, remove = (
        f"/integrations/webhooks/{row.id}/test",
        f"/integrations/webhooks/{row.id}/remove",
    )
    assert (await client.post(test, data={"csrf": "forged"})).status == 403
    assert (await client.post(remove, data={})).status == 403
    assert await stored(harness) == (1, 0)
    async with harness.session() as session:
        live = await session.get(WebhookSubscription, row.id)
    assert live is not None and live.removed_at is None
