"""The admins' integrations page: keys made and revoked in the browser, the delivery log."""

from __future__ import annotations

import re

from sqlalchemy import select

from aftersales.commands.webhooks import add_subscription, queue_test
from storage.models import WebhookDelivery
from tests.harness import Harness
from tests.web.api.conftest import call
from tests.web.conftest import Client, add_staff, log_in


async def test_admins_make_and_revoke_keys_and_redeliver_from_the_page(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 7701, ["dispatcher"], name="Desk Ma")
    await add_staff(harness, 7702, ["admin"], name="Admin Hu")
    await log_in(harness, client, 7701)
    assert (await client.get("/integrations")).status == 403
    await client.post("/logout", data={"csrf": "x"})
    client.session.cookie_jar.clear()

    csrf = await log_in(harness, client, 7702)
    page = await client.get("/integrations")
    assert page.status == 200 and "Create key" in await page.text()
    forged = await client.post("/integrations/keys", data={"csrf": "forged", "name": "bi"})
    assert forged.status == 403
    made = await client.post(
        "/integrations/keys",
        data=[("csrf", csrf), ("name", "bi"), ("scope", "reports:read")],
    )
    html = await made.text()
    found = re.search(r'<code id="new-key">([^<]+)</code>', html)
    assert found is not None and "shown only this once" in html
    key = found.group(1)
    assert (await call(client, "GET", "/api/v1/reports/standards", key))[0] == 200
    again = await client.post(
        "/integrations/keys", data=[("csrf", csrf), ("name", "bi"), ("scope", "reports:read")]
    )
    assert "exists" in await again.text()

    odd = await client.post("/integrations/keys/b%00i/revoke", data={"csrf": csrf})
    assert "No live key has that name." in await odd.text()
    revoked = await client.post("/integrations/keys/bi/revoke", data={"csrf": csrf})
    assert "The key is revoked." in await revoked.text()
    assert (await call(client, "GET", "/api/v1/reports/standards", key))[0] == 401

    sub_id, _ = await add_subscription(
        harness.sessions, url="http://127.0.0.1:9/hooks", events="case.created",
        now=harness.clock.now(),
    )  # fmt: skip
    assert await queue_test(harness.sessions, subscription_id=sub_id, now=harness.clock.now())
    log = await (await client.get("/integrations")).text()
    assert "webhook.test" in log and "http://127.0.0.1:9/hooks" in log
    async with harness.session() as session:
        delivery = await session.scalar(select(WebhookDelivery))
    assert delivery is not None
    missing = await client.post("/integrations/deliveries/999/redeliver", data={"csrf": csrf})
    assert "No such delivery." in await missing.text()
