"""`aftersales customer key`: a customer who registered in chat, marked key at the terminal,
gets return visits on the injected clock; unmarked, they stop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.settings import Settings
from domain.lifecycle import CaseKind
from storage.models import Case, Customer
from tests.bot.customer_steps import register, report_fault
from tests.cli_support import cli
from tests.factories import make_product
from tests.harness import Harness
from tests.test_cli_people import settings

__all__ = ["settings"]

PHONE = "+8613800138000"


async def _customer(harness: Harness) -> Customer:
    async with harness.session() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_id == 1001))
    assert customer is not None
    return customer


async def _visits(harness: Harness) -> list[Case]:
    async with harness.session() as session:
        return list(await session.scalars(select(Case).where(Case.kind == CaseKind.RETURN_VISIT)))


async def _days(harness: Harness, days: int) -> None:
    """Lets the calendar run through the given number of days."""
    for _ in range(days):
        harness.advance(timedelta(days=1))
        await harness.tick()
        await harness.tick()


@pytest.mark.long
async def test_key_customer_marked_by_cli_gets_return_visits(
    harness: Harness, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    user = await register(harness, 1001, name="Wang Wei", phone=PHONE)
    assert await cli(settings, "customer", "key", "138 0013 8000", "--on") == 0
    assert "Telegram id 1001 (Wang Wei, +8613800138000) is now a key customer" in (
        capsys.readouterr().out
    )
    assert await cli(settings, "customer", "key", "1001", "--on") == 0
    assert "was already a key customer" in capsys.readouterr().out

    await harness.tick()
    await _days(harness, 1)  # the calendar sees the new key customer: first visit in 90 days
    planned = (await _customer(harness)).next_return_visit_at
    assert planned is not None and planned > harness.clock.now() + timedelta(days=89)
    assert await _visits(harness) == []
    await _days(harness, 90)
    [visit] = await _visits(harness)
    assert visit.status == "new"
    told = [t for t in user.texts() if "key customers" in t]
    assert len(told) == 1 and visit.number in told[0]

    assert await cli(settings, "customer", "key", PHONE, "--off") == 0
    assert "is no longer a key customer" in capsys.readouterr().out
    customer = await _customer(harness)
    assert not customer.is_key and customer.next_return_visit_at is None
    await _days(harness, 100)
    assert len(await _visits(harness)) == 1


async def test_key_needs_on_or_off_and_a_known_customer(
    harness: Harness, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        await cli(settings, "customer", "key", PHONE)
    capsys.readouterr()
    assert await cli(settings, "customer", "key", PHONE, "--on") == 1
    assert "No customer with Telegram id or phone" in capsys.readouterr().err


async def test_region_set_at_the_terminal_is_the_region_of_the_next_case(
    harness: Harness, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    user = await register(harness, 1001, name="Wang Wei", phone=PHONE)
    assert await cli(settings, "customer", "region", PHONE, "--set", " Pudong ") == 0
    assert "(Wang Wei, +8613800138000) now has region Pudong." in capsys.readouterr().out
    assert await cli(settings, "customer", "region", "1001", "--set", "x" * 61) == 1
    assert "at most 60 characters" in capsys.readouterr().err
    assert (await _customer(harness)).region == "Pudong"  # nothing half-saved

    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-1001", now=harness.clock.now())
    assert "registered as" in await report_fault(harness, user)
    async with harness.session() as session:
        case = await session.scalar(select(Case).where(Case.kind == CaseKind.FAULT))
    assert case is not None and case.region == "Pudong"

    assert await cli(settings, "customer", "region", PHONE, "--clear") == 0
    assert "now has no region" in capsys.readouterr().out
    assert (await _customer(harness)).region is None
