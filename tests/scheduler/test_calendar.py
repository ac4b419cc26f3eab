"""Calendar jobs: the morning digest and key customers' return visits, once per period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.lifecycle import CaseKind
from storage.models import Case, Customer
from tests.harness import Harness
from tests.scheduler.steps import CUSTOMER, DISPATCHER, SUPERVISOR, new_case, staff
from tests.world import world_of


async def _days(harness: Harness, days: int) -> None:
    """Lets the calendar run through the given number of days."""
    for _ in range(days):
        harness.advance(timedelta(days=1))
        await harness.tick()
        await harness.tick()


def digests(harness: Harness) -> list[str]:
    """The digests the supervisor received."""
    return [t for t in harness.user(SUPERVISOR).texts() if "Daily digest" in t]


async def test_digest_every_morning_at_eight_local_once(harness: Harness) -> None:
    await staff(harness)
    await harness.tick()  # Monday 09:00 local: a fresh install sends no stale digest
    assert digests(harness) == []
    await new_case(harness, onsite_in=timedelta(hours=8), region="Pudong")
    harness.advance(timedelta(hours=22, minutes=59))  # Tuesday 07:59
    await harness.tick()
    assert digests(harness) == []
    harness.advance(timedelta(minutes=1))
    await harness.tick()
    await harness.tick()
    [digest] = digests(harness)
    assert digest.startswith("📊 Daily digest, 2026-11-24")
    assert "Yesterday (2026-11-23): 1 new, 0 closed, 0 answered late, 1 on site late." in digest
    assert "Past the on-site deadline (1):\n  SR-20261123-0001  11-23 17:00  Pudong" in digest
    assert "Due on site today (0):\n  none" in digest
    harness.advance(timedelta(hours=2))  # 10:00: the response window is over
    await harness.tick()
    assert len(digests(harness)) == 1
    harness.advance(timedelta(hours=22))  # Wednesday 08:00
    await harness.tick()
    latest = digests(harness)[-1]
    assert len(digests(harness)) == 2 and "Daily digest, 2026-11-25" in latest
    assert "1 answered late" in latest
    assert "Unanswered past the response window (1):\n  SR-20261123-0001" in latest


async def test_a_missed_digest_is_sent_when_the_bot_comes_back_that_day(
    harness: Harness,
) -> None:
    await staff(harness)
    await harness.tick()
    harness.advance(timedelta(hours=21))  # Tuesday 06:00
    await harness.tick()
    await harness.stop()
    harness.advance(timedelta(hours=4))  # down over 08:00; back at 10:00
    await harness.start()
    await harness.tick()
    assert [d.splitlines()[0] for d in digests(harness)] == ["📊 Daily digest, 2026-11-24"]


@pytest.mark.long
async def test_key_customer_gets_a_return_visit_case_every_cycle(harness: Harness) -> None:
    await staff(harness)
    world = await world_of(harness)
    await world.customer(CUSTOMER, company="ACME")
    await new_case(harness)  # the customer's earlier case gives the address
    await world.command("customer", "key", str(CUSTOMER), "--on")  # the desk marks them
    await harness.tick()
    await _days(harness, 1)  # the calendar plans the first visit a cycle (90 days) later
    await world.customer(CUSTOMER + 1, name="Li Na", phone="+8613900139001")
    await _days(harness, 44)
    await world.command("customer", "key", str(CUSTOMER + 1), "--on")  # marked half-way
    await _days(harness, 46)  # the first customer's visit is due on day 91
    async with harness.session() as session:
        visits = list(
            await session.scalars(select(Case).where(Case.kind == CaseKind.RETURN_VISIT))
        )
        customers = {c.telegram_id: c for c in await session.scalars(select(Customer))}
    assert len(visits) == 1
    [visit] = visits
    assert visit.status == "new" and visit.address == "88 Century Ave, Pudong"
    assert customers[CUSTOMER].next_return_visit_at == harness.clock.now() + timedelta(days=90)
    assert customers[CUSTOMER + 1].next_return_visit_at == harness.clock.now() + timedelta(days=45)
    opened = [t for t in harness.user(DISPATCHER).texts() if "Return visit" in t]
    assert len(opened) == 1
    assert f"Return visit {visit.number} opened for key customer Wang Wei (ACME)" in opened[0]
    told = [t for t in harness.user(CUSTOMER).texts() if "key customers" in t]
    assert len(told) == 1 and visit.number in told[0]
