"""Outgoing webhooks to a real receiver on loopback: signed, once per change, retried, given up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands.webhooks import add_subscription
from core.clock import ManualClock
from domain.webhooks import verify
from sandbox.botapi import BotApiServer
from storage.models import WebhookDelivery
from tests.bot.survey_steps import pushed, staff, tap
from tests.harness import Harness
from tests.web.api.conftest import Receiver, call, new_key, served
from tests.web.api.test_cases import customer_and_product
from tests.web.conftest import Client, add_staff
from tests.world import World


async def stored_tries(harness: Harness, tries: int) -> WebhookDelivery:
    """Waits until the sender has stored the outcome of `tries` tries of the first delivery."""
    async with asyncio.timeout(10):
        while True:
            async with harness.session() as session:
                row = await session.scalar(select(WebhookDelivery).order_by(WebhookDelivery.id))
            if row is not None and row.attempts >= tries:
                return row
            await asyncio.sleep(0.02)


async def test_events_arrive_signed_once_per_change_and_a_500_is_retried(
    harness: Harness, client: Client, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    assert harness.runtime is not None
    _, hooks.secret = await add_subscription(
        harness.sessions, url=url, events="case.created,case.assigned", now=harness.clock.now()
    )
    technician = await add_staff(harness, 7301, ["technician"], name="Tech Qian")
    key = await new_key(harness)
    customer_id = await customer_and_product(client, key)
    hooks.answers = [500]
    status, body = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "fault", "description": "Noisy", "channel": "phone"},
    )  # fmt: skip
    assert status == 201
    await hooks.wait_for(1)
    assert hooks.events() == [("case.created", 500)]
    await stored_tries(harness, 1)

    harness.advance(timedelta(seconds=31))  # the first retry is due 30 s after a failure
    harness.runtime.webhooks.wake()
    await hooks.wait_for(2)
    first, retry = hooks.seen
    assert retry["headers"]["X-Aftersales-Event-Id"] == first["headers"]["X-Aftersales-Event-Id"]
    assert retry["status"] == 200 and retry["valid"] and first["valid"]
    data = json.loads(retry["body"])["data"]
    assert (data["number"], data["channel"], data["status"]) == (
        body["case"]["number"], "phone", "new",
    )  # fmt: skip

    path = f"/api/v1/cases/{body['case']['id']}/assign"
    assert (await call(client, "POST", path, key, {"technician_id": technician.id}))[0] == 200
    await hooks.wait_for(3)
    assert hooks.events()[2:] == [("case.assigned", 200)]
    assigned = json.loads(hooks.seen[2]["body"])["data"]
    assert (assigned["technician_id"], assigned["status"]) == (technician.id, "assigned")

    # A recorded request replayed later than the window is refused by the same check.
    old = hooks.seen[2]
    later = harness.clock.now() + timedelta(minutes=6)
    assert not verify(
        hooks.secret, old["headers"]["X-Aftersales-Timestamp"], old["body"],
        old["headers"]["X-Aftersales-Signature"], later.timestamp(),
    )  # fmt: skip
    assert not verify(
        "whsec_other", old["headers"]["X-Aftersales-Timestamp"], old["body"],
        old["headers"]["X-Aftersales-Signature"], harness.clock.now().timestamp(),
    )  # fmt: skip
    await asyncio.sleep(0.2)  # nothing else is on its way: once per change
    assert len(hooks.seen) == 3


@pytest.fixture
async def impatient(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[tuple[Harness, Client]]:
    """The app giving a webhook up after two tries, with an admin to tell."""
    async with served(botapi, engine, clock, webhook_max_attempts=2, admin_ids=[7401]) as found:
        yield found


async def test_a_receiver_that_keeps_failing_is_given_up_and_admins_are_told(
    impatient: tuple[Harness, Client], receiver: tuple[Receiver, str]
) -> None:
    harness, client = impatient
    hooks, url = receiver
    assert harness.runtime is not None
    _, hooks.secret = await add_subscription(
        harness.sessions, url=url, events="case.created", now=harness.clock.now()
    )
    hooks.answers = [503, 503, 503]
    key = await new_key(harness)
    customer_id = await customer_and_product(client, key)
    status, _ = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "installation", "description": "New unit"},
    )  # fmt: skip
    assert status == 201
    await hooks.wait_for(1)
    await stored_tries(harness, 1)
    harness.advance(timedelta(seconds=31))
    harness.runtime.webhooks.wake()
    await hooks.wait_for(2)
    row = await stored_tries(harness, 2)
    assert (row.status, row.attempts, row.last_status, row.last_error) == (
        "dead", 2, 503, "HTTP 503",
    )  # fmt: skip
    await harness.settle()
    assert any("given up after 2 attempts" in t for t in harness.user(7401).texts())


async def test_a_missed_response_deadline_and_an_answered_survey_are_events(
    harness: Harness, client: Client, receiver: tuple[Receiver, str], world: World
) -> None:
    hooks, url = receiver
    _, hooks.secret = await add_subscription(
        harness.sessions, url=url, events="standard.breached,survey.answered",
        now=harness.clock.now(),
    )  # fmt: skip
    key = await new_key(harness)
    customer_id = await customer_and_product(client, key)
    status, body = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "fault", "description": "Dead unit"},
    )  # fmt: skip
    assert status == 201
    harness.advance(timedelta(hours=24, minutes=1))
    await harness.tick()
    assert harness.runtime is not None
    harness.runtime.webhooks.wake()  # as the runtime's own tick does
    await hooks.wait_for(1)
    breach = json.loads(hooks.seen[0]["body"])
    assert breach["type"] == "standard.breached" and hooks.seen[0]["valid"]
    assert (breach["data"]["standard"], breach["data"]["number"]) == (
        "response", body["case"]["number"],
    )  # fmt: skip

    await staff(world)
    surveyed = await pushed(world, 7501)
    for label in ("5 — Very satisfied", "Yes", "4 — Good", "Yes", "No", "10"):
        await tap(harness, surveyed.user, label)
    surveyed.user.send_text("Fine.")
    await harness.settle()
    await hooks.wait_for(2)
    answered = json.loads(hooks.seen[1]["body"])
    assert answered["type"] == "survey.answered"
    assert answered["data"]["answers"]["overall"] == 5
    assert answered["data"]["number"] == surveyed.number
