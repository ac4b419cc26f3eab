"""A technician's phone and base, asked when joining; distance in dispatch; auto-assign for
customers who registered in chat. Every piece of state comes from the chat."""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands import staff as staff_cli
from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from sandbox.users import SandboxUser
from storage.models import Assignment, Staff
from storage.repos import people
from tests.bot.customer_steps import press, register, report_at, say
from tests.bot.dispatch_steps import (
    ADMIN,
    CUSTOMER,
    assign_to,
    customer_with_case,
    harness,
    only_case,
    staff_team,
)
from tests.factories import make_product
from tests.harness import Harness

__all__ = ["harness"]

SITE = (31.2304, 121.4737)  # People's Square, Shanghai
NEAR = (31.2397, 121.4998)  # Lujiazui, about 2.7 km away
FAR = (31.1443, 121.8083)  # Pudong airport, about 33 km away


@pytest.fixture
async def auto_harness(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Harness]:
    """The bot with the auto-assign policy on and an admin from the settings."""
    running = Harness(botapi, engine, clock, auto_assign=True, admin_ids=[ADMIN])
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def _staff(harness: Harness, telegram_id: int) -> Staff:
    async with harness.session() as session:
        staff = await people.get_staff(session, telegram_id=telegram_id)
    assert staff is not None
    return staff


async def join_as_technician(
    harness: Harness, telegram_id: int, name: str, phone: str, base: tuple[float, float]
) -> SandboxUser:
    """The admin invites a technician, who joins and shares their phone and base."""
    admin = harness.user(ADMIN, "Boss")
    link = await say(harness, admin, "/invite technician")
    token = re.search(r"/start (join-[\w-]+)", link)
    assert token is not None
    tech = harness.user(telegram_id, name)
    await say(harness, tech, f"/start {token.group(1)}")
    assert "registered as technician" in tech.texts()[-2]
    assert "share your phone number" in tech.texts()[-1]
    tech.send_contact(phone)
    await harness.settle()
    assert "share the location you usually start from" in tech.texts()[-1]
    tech.send_location(*base)
    await harness.settle()
    assert "Profile saved" in tech.texts()[-1]
    return tech


async def test_joining_technician_gives_phone_and_base(harness: Harness) -> None:
    await join_as_technician(harness, 6200, "Tom", "+8613900139000", NEAR)
    tom = await _staff(harness, 6200)
    assert tom.phone == "+8613900139000"
    assert (tom.base_latitude, tom.base_longitude) == NEAR


async def test_profile_changes_phone_and_base_and_refuses_a_forged_place(
    harness: Harness,
) -> None:
    tech = await join_as_technician(harness, 6201, "Tom", "+8613900139000", NEAR)
    answer = await say(harness, tech, "/profile")
    assert "share your phone number" in answer and "+8613900139000" in tech.texts()[-2]
    assert "valid phone number" in await say(harness, tech, "not a phone")
    await say(harness, tech, "13700137000")
    assert "cannot be placed on the map" in await say(harness, tech, "1 Century Ave")
    tech.send_location(91.0, 200.0)
    await harness.settle()
    assert "not a place on Earth" in tech.texts()[-1]
    tech.send_location(*FAR)
    await harness.settle()
    tom = await _staff(harness, 6201)
    assert tom.phone == "+8613700137000"
    assert (tom.base_latitude, tom.base_longitude) == FAR


async def test_profile_is_for_technicians_only(harness: Harness) -> None:
    customer = await register(harness, CUSTOMER)
    assert "not available to you" in await say(harness, customer, "/profile")


async def test_chat_customer_case_is_auto_assigned_to_the_nearest_technician(
    auto_harness: Harness,
) -> None:
    harness = auto_harness
    await join_as_technician(harness, 6301, "Far Fang", "+8613900139001", FAR)
    near = await join_as_technician(harness, 6302, "Near Ning", "+8613900139002", NEAR)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-5005", now=harness.clock.now())
    customer = await register(harness, CUSTOMER)
    assert "registered as" in await report_at(harness, customer, SITE, serial="SN-5005")
    await harness.tick()
    case = await only_case(harness)
    assert case.status == "assigned"
    assert "New job for you" in "\n".join(near.texts())
    async with harness.session() as session:
        assignment = await session.scalar(select(Assignment))
    assert assignment is not None and assignment.assigned_by is None
    assert assignment.rank_reason is not None and assignment.rank_reason.startswith("2.")
    assert " km, -region, -skill, load 0/5" in assignment.rank_reason
    # The customer learns how to reach the technician once they accept.
    await press(harness, near, "Accept")
    await harness.tick()
    assert any("+8613900139002" in text for text in customer.texts())


async def test_an_unanswered_phone_question_does_not_swallow_a_decline_reason(
    harness: Harness,
) -> None:
    admin = harness.user(ADMIN, "Boss")
    link = await say(harness, admin, "/invite technician")
    token = re.search(r"/start (join-[\w-]+)", link)
    assert token is not None
    tech = harness.user(6203, "Lin")
    assert "share your phone number" in await say(harness, tech, f"/start {token.group(1)}")
    desk, _, _ = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Lin")
    await press(harness, tech, "Decline")
    await say(harness, tech, "Van broke down")
    assert "You declined" in tech.texts()[-1]
    assert "Lin declined SR-20261123-0001: Van broke down" in desk.texts()[-1]


async def test_auto_assign_leaves_a_case_to_the_desk_when_nobody_is_certified(
    auto_harness: Harness,
) -> None:
    """Certificates recorded for the product's category: the nearest technician's has expired
    and nobody else holds one, so the policy picks nobody and the desk decides."""
    harness = auto_harness
    await join_as_technician(harness, 6301, "Far Fang", "+8613900139001", FAR)
    await join_as_technician(harness, 6302, "Near Ning", "+8613900139002", NEAR)
    certify = staff_cli.certify_staff
    expired = argparse.Namespace(telegram_id=6302, category="hvac", until="2026-11-01",
                                 revoke=False)  # fmt: skip
    assert await certify(harness.sessions, expired, harness.clock) == 0
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-5005", now=harness.clock.now(), category="hvac")
        await make_product(session, serial="SN-5006", now=harness.clock.now(), category="hvac")
    customer = await register(harness, CUSTOMER)
    assert "registered as" in await report_at(harness, customer, SITE, serial="SN-5005")
    await harness.tick()
    case = await only_case(harness)
    assert (case.status, case.technician_id) == ("new", None)

    # Far Fang gets a valid certificate: the next case goes to them, though Near Ning is nearer.
    valid = argparse.Namespace(telegram_id=6301, category="hvac", until="2027-11-01",
                               revoke=False)  # fmt: skip
    assert await certify(harness.sessions, valid, harness.clock) == 0
    other = await register(harness, CUSTOMER + 1)
    assert "registered as" in await report_at(harness, other, SITE, serial="SN-5006")
    await harness.tick()
    async with harness.session() as session:
        assignment = await session.scalar(select(Assignment))
    far = await _staff(harness, 6301)
    assert assignment is not None and assignment.technician_id == far.id
