"""Steps of the desk and the technicians, shared by the dispatch tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from sandbox.users import SandboxUser
from storage.models import Case, CaseEvent, Product
from tests.bot.customer_steps import press, register, report_fault, say
from tests.factories import make_product, make_staff
from tests.harness import Harness

ADMIN = 9000
DISPATCHER = 5001
TECH_A = 6001
TECH_B = 6002
CUSTOMER = 7001
QUALITY_CHAT = -100777
PURCHASING_CHAT = -100888


@pytest.fixture
async def harness(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Harness]:
    """The bot with an admin from the settings, a quality chat and a purchasing chat."""
    running = Harness(
        botapi, engine, clock, admin_ids=[ADMIN], quality_chat_id=QUALITY_CHAT,
        purchasing_chat_id=PURCHASING_CHAT,
    )  # fmt: skip
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def staff_team(harness: Harness) -> tuple[SandboxUser, SandboxUser, SandboxUser]:
    """A dispatcher and two technicians (A: Pudong, hvac, light load; B: Minhang, hvac)."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=DISPATCHER, roles=["dispatcher"], now=now,
                         name="Desk Zhou")  # fmt: skip
        await make_staff(session, telegram_id=TECH_A, roles=["technician"], now=now,
                         name="Tech An", regions=["Pudong"], skills=["hvac"])  # fmt: skip
        await make_staff(session, telegram_id=TECH_B, roles=["technician"], now=now,
                         name="Tech Bo", regions=["Minhang"], skills=["hvac"])  # fmt: skip
    return (
        harness.user(DISPATCHER, "Zhou"),
        harness.user(TECH_A, "An"),
        harness.user(TECH_B, "Bo"),
    )


async def customer_with_case(
    harness: Harness, *, warranty_end: date | None = None, serial: str = "SN-1001"
) -> SandboxUser:
    """A registered customer who reported a fault through the dialog."""
    async with harness.session() as session, session.begin():
        await make_product(session, serial=serial, now=harness.clock.now(),
                           warranty_end=warranty_end)  # fmt: skip
    user = await register(harness, CUSTOMER)
    answer = await report_fault(harness, user, serial=serial)
    assert "registered as" in answer
    return user


async def only_case(harness: Harness) -> Case:
    """The one case of the test."""
    async with harness.session() as session:
        [case] = list(await session.scalars(select(Case)))
        return case


async def timeline(harness: Harness, case_id: int) -> list[str]:
    """The actions of a case's events, oldest first."""
    async with harness.session() as session:
        rows = await session.scalars(
            select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
        return list(rows)


async def assign_to(harness: Harness, desk: SandboxUser, name: str) -> None:
    """The dispatcher presses Assign on the newest notice and picks a technician."""
    await press(harness, desk, "Assign")
    if not any(name in b.text for row in desk.last().buttons() for b in row):
        await press(harness, desk, "Other…")
    await press(harness, desk, name)


async def check_in(harness: Harness, tech: SandboxUser, lat: float = 31.2304,
                   lon: float = 121.4737) -> str:  # fmt: skip
    """The technician opens /jobs, presses Check in and shares a location."""
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Check in")
    tech.send_location(lat, lon)
    await harness.settle()
    return "\n".join(tech.texts()[-2:])


async def file_report(
    harness: Harness,
    tech: SandboxUser,
    *,
    fixed: bool = True,
    parts: tuple[str, ...] = (),
    cause: str = "Wear",
    supplier: str | None = None,
    major: bool = False,
    followup: str = "2026-11-26 10:00",
) -> str:
    """The technician walks through the service report from /jobs; returns the last answer."""
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Report")
    await say(harness, tech, "Replaced the start relay and tested.")
    for part in parts:
        await say(harness, tech, part)
    await press(harness, tech, "No more parts")
    await say(harness, tech, "1.5")
    await say(harness, tech, "20")
    await press(harness, tech, cause)
    if supplier is not None:
        await say(harness, tech, supplier)
    await press(harness, tech, "Yes" if major else "No")
    await press(harness, tech, "Yes" if fixed else "No")
    if not fixed:
        await say(harness, tech, followup)
    return await press(harness, tech, "Submit")


async def send_quote(harness: Harness, tech: SandboxUser) -> None:
    """The technician quotes from /jobs: 2 relays at 35.50, labour 100, travel 20 (191.00)."""
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Quote")
    await say(harness, tech, "Relay, 2, 35.50")
    await press(harness, tech, "No more parts")
    await say(harness, tech, "100")
    await say(harness, tech, "20")
    await press(harness, tech, "Send to customer")


async def product_of(harness: Harness, serial: str) -> Product:
    """A product by serial."""
    async with harness.session() as session:
        product = await session.scalar(select(Product).where(Product.serial == serial))
        assert product is not None
        return product


def past(harness: Harness, days: int = 10) -> date:
    """A day in the past (an ended warranty)."""
    return harness.clock.now().date() - timedelta(days=days)


async def accepted_job(harness: Harness) -> tuple[SandboxUser, SandboxUser]:
    """A fault reported, assigned to Tech An and accepted; returns (customer, Tech An)."""
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    return customer, tech


async def closed_job(harness: Harness, *, parts: tuple[str, ...] = ()) -> SandboxUser:
    """A fault reported, assigned to Tech An, accepted, checked in, reported, confirmed."""
    customer, tech = await accepted_job(harness)
    await check_in(harness, tech)
    assert "filed" in await file_report(harness, tech, parts=parts)
    await press(harness, customer, "Confirm")
    assert "closed" in customer.texts()[-2]
    assert customer.last().document_file_id  # the report's PDF copy follows the answer
    return customer
