"""Who may repair (#22): certificates from the CLI, dispatch ranks and warns, digest expiries."""

from __future__ import annotations

import argparse
from datetime import timedelta

from sqlalchemy import select

from aftersales.commands import staff as staff_cli
from storage.models import Assignment
from tests.bot.customer_steps import press
from tests.bot.dispatch_steps import (
    TECH_A,
    TECH_B,
    customer_with_case,
    harness,
    only_case,
    staff_team,
)
from tests.factories import make_staff
from tests.harness import Harness

__all__ = ["harness"]

SUPERVISOR = 5008


def _certify(
    telegram_id: int, category: str = "hvac", until: str | None = None, revoke: bool = False
) -> argparse.Namespace:
    return argparse.Namespace(
        telegram_id=telegram_id, category=category, until=until, revoke=revoke
    )


async def test_certified_first_uncertified_confirmed_and_expiries_in_the_digest(
    harness: Harness,
) -> None:
    desk, _, _ = await staff_team(harness)
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=SUPERVISOR, roles=["supervisor"],
                         now=harness.clock.now(), name="Chen Sup")  # fmt: skip
    await harness.tick()  # plans the morning digest
    certify = staff_cli.certify_staff
    # Bad input is refused with exit code 2, nothing stored.
    assert await certify(harness.sessions, _certify(TECH_B, until="2026-13-01")) == 2
    assert await certify(harness.sessions, _certify(TECH_B)) == 2
    assert await certify(harness.sessions, _certify(TECH_B, revoke=True)) == 2
    assert await certify(harness.sessions, _certify(4242, until="2026-12-13")) == 2
    # Tech Bo (other region) is certified for hvac until 2026-12-13; Tech An expired, then not.
    ok = await certify(harness.sessions, _certify(TECH_B, until="2026-12-13"), harness.clock)
    assert ok == 0
    assert await certify(harness.sessions, _certify(TECH_A, until="2026-11-01")) == 0

    await customer_with_case(harness)
    case = await only_case(harness)
    proposal = await press(harness, desk, "Assign")
    first, second = (line for line in proposal.splitlines() if line.startswith(("1.", "2.")))
    assert "Tech Bo" in first and "certified until 2026-12-13" in first
    assert "Tech An" in second and "certification expired 2026-11-01" in second

    # Choosing the expired technician asks first; the desk confirms.
    warning = await press(harness, desk, "2. Tech An")
    assert "Tech An is not certified for hvac" in warning and case.number in warning
    assert desk.last().button_texts() == ["Assign anyway", "Choose another"]
    assert "Tech An" in await press(harness, desk, "Assign anyway")
    async with harness.session() as session:
        [assignment] = list(await session.scalars(select(Assignment)))
    assert assignment.technician_id is not None and assignment.certification == "expired"

    # Revoked: Tech An is now "not certified".
    assert await certify(harness.sessions, _certify(TECH_A, revoke=True)) == 0
    assert await certify(harness.sessions, _certify(TECH_A, revoke=True)) == 2

    # The morning digest lists Tech Bo's certificate, ending within 30 days.
    harness.advance(timedelta(hours=23))  # Tuesday 08:00 local
    await harness.tick()
    await harness.tick()
    digest = next(t for t in harness.user(SUPERVISOR).texts() if "Daily digest" in t)
    assert "Certificates expiring within 30 days (1):\n  Tech Bo  hvac  2026-12-13" in digest
