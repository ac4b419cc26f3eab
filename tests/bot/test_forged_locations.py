"""Locations from forged updates (latitude 1e308, NaN) are refused; nothing of them is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox.users import SandboxUser
from storage.models import Case, CaseEvent
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import accepted_job, harness, only_case
from tests.factories import make_product
from tests.harness import Harness

__all__ = ["harness"]

# Forged: the sandbox sends whatever it is given, as a modified client or server could.
FORGED: tuple[tuple[Any, Any], ...] = (
    (1e308, 121.47), (31.23, 1e308), (91.0, 0.0), (0.0, -180.5), (float("nan"), 0.0),
    (0.0, float("inf")), (10**400, 0), (None, 0.0), ("31.2", 121.4),
)  # fmt: skip


async def all_refused(harness: Harness, user: SandboxUser) -> None:
    """Sends every forged point; each is answered as no place on Earth."""
    for latitude, longitude in FORGED:
        user.send_location(latitude, longitude)
        await harness.settle()
        assert "not a place on Earth" in user.texts()[-1], (latitude, longitude)


async def test_a_forged_site_location_is_refused_and_a_real_one_taken(harness: Harness) -> None:
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-1001", now=harness.clock.now())
    user = await register(harness, 2101)
    await say(harness, user, "/report")
    await say(harness, user, "SN-1001")
    await say(harness, user, "Noise")
    await press(harness, user, "Continue")
    await all_refused(harness, user)
    user.send_location(31.2304, 121.4737)
    await harness.settle()
    await press(harness, user, "Skip")
    await press(harness, user, "Tomorrow by 18:00")
    assert "registered as" in await press(harness, user, "Confirm")
    async with harness.session() as session:
        [case] = list(await session.scalars(select(Case)))
    assert (case.latitude, case.longitude) == (31.2304, 121.4737)


async def test_a_forged_check_in_location_is_refused(harness: Harness) -> None:
    _, tech = await accepted_job(harness)
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Check in")
    await all_refused(harness, tech)
    case = await only_case(harness)
    assert case.status == "accepted" and case.arrived_at is None
    tech.send_location(31.2304, 121.4737)
    await harness.settle()
    assert any("Checked in" in text for text in tech.texts()[-3:])
    case = await only_case(harness)
    async with harness.session() as session:
        data = await session.scalar(
            select(CaseEvent.data).where(
                CaseEvent.case_id == case.id, CaseEvent.action == "check_in"
            )
        )
    assert case.status == "on_site" and data is not None
    assert (data["latitude"], data["longitude"]) == (31.2304, 121.4737)
