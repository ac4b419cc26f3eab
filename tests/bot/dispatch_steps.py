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
from tests.bot.customer_steps import press, register, report_fault
from tests.bot.job_steps import assign_to, check_in, file_report, send_quote
from tests.factories import make_product
from tests.harness import Harness
from tests.world import world_of

__all__ = ["assign_to", "check_in", "file_report", "harness", "send_quote"]

ADMIN = 9000
DISPATCHER = 5001
TECH_A = 6001
TECH_B = 6002
CUSTOMER = 7001
QUALITY_CHAT = -100777
PURCHASING_CHAT = -100888
PUDONG = (31.2304, 121.4737)  # Tech An's base (People's Square)
MINHANG = (31.1129, 121.3817)  # Tech Bo's base


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
    """A dispatcher and two technicians (A: Pudong, hvac; B: Minhang, hvac), all joined by
    invite; the technicians' regions and skills set by the admin (`aftersales staff add`)."""
    world = await world_of(harness)
    desk = await world.staff(DISPATCHER, "dispatcher", "Desk Zhou")
    tech_a = await world.technician(
        TECH_A, "Tech An", base=PUDONG, regions=("Pudong",), skills=("hvac",)
    )
    tech_b = await world.technician(
        TECH_B, "Tech Bo", phone="+8613700137000", base=MINHANG, regions=("Minhang",),
        skills=("hvac",),
    )  # fmt: skip
    return desk, tech_a, tech_b


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
