"""Every list the bot sends fits in one Telegram message and pages with ◀ ▶ (issue #17.4)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from sandbox.models import SentMessage
from sandbox.users import SandboxUser
from storage.repos import people
from tests.bot.dispatch_steps import ADMIN, harness
from tests.factories import make_case, make_customer, make_product, make_staff
from tests.harness import Harness

BLOCKED_DESK = 9101  # a dispatcher who blocked the bot: every notice to them dies
TECH = 9102
FIRST_CUSTOMER = 20000
MANY = 50
LONG = "The compressor rattles, trips the breaker and leaks oil onto the floor. " * 20
LIMIT = 4096
NUMBER = re.compile(r"(?:SR|CP)-\d{8}-\d{4}")

__all__ = ["harness"]  # the admin-from-settings bot of the dispatch tests


async def _all(
    harness: Harness, users: list[SandboxUser], act: Callable[[SandboxUser], object]
) -> None:
    """Every user does the same step at once; then the bot works through all of it."""
    for user in users:
        act(user)
    await harness.settle()


async def _customers_report(harness: Harness) -> list[SandboxUser]:
    """MANY customers report a fault each through the chat, all at the same time."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        for i in range(MANY):
            await make_customer(session, telegram_id=FIRST_CUSTOMER + i, now=now)
            await make_product(session, serial=f"SN-{i:04d}", now=now)
    users = [harness.user(FIRST_CUSTOMER + i) for i in range(MANY)]
    await _all(harness, users, lambda u: u.send_text("/report"))
    await _all(harness, users, lambda u: u.send_text(f"SN-{u.chat_id - FIRST_CUSTOMER:04d}"))
    await _all(harness, users, lambda u: u.send_text(LONG[:900]))
    await _all(harness, users, lambda u: u.press("Continue"))
    await _all(harness, users, lambda u: u.send_text("88 Century Ave, Pudong, Shanghai"))
    await _all(harness, users, lambda u: u.press("Tomorrow by 18:00"))
    await _all(harness, users, lambda u: u.press("Confirm"))
    assert all("registered as" in u.texts()[-1] for u in users)
    return users


async def _pages(harness: Harness, user: SandboxUser, command: str) -> list[str]:
    """Sends a list command and walks its pages with ▶; every page's text, in order."""
    before = len(user.inbox())
    user.send_text(command)
    await harness.settle()
    sent = user.inbox()[before:]
    first = next((m for m in sent if m.text and "Page 1 of" in m.text), None)
    assert first is not None, f"{command}: no first page in {[(m.text or '')[:40] for m in sent]}"
    message: SentMessage = first
    pages = [message.text or ""]
    while "Next ▶" in message.button_texts():
        user.press("Next ▶", message_id=message.message_id)
        await harness.settle()
        message = harness.server.message(user.chat_id, message.message_id)
        pages.append(message.text or "")
    assert all(len(page) <= LIMIT for page in pages)
    assert pages[-1].endswith(f"Page {len(pages)} of {len(pages)}")
    return pages


@pytest.mark.long
async def test_every_list_pages_within_telegrams_limit(harness: Harness) -> None:
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=ADMIN, roles=["dispatcher", "supervisor"], now=now)
        await make_staff(session, telegram_id=BLOCKED_DESK, roles=["dispatcher"], now=now)
    harness.server.block(BLOCKED_DESK)
    customers = await _customers_report(harness)
    await _all(harness, customers, lambda u: u.send_text("/complaint"))
    await _all(harness, customers, lambda u: u.press("General complaint"))
    await _all(harness, customers, lambda u: u.send_text(LONG[:1500]))
    assert all("complaint is registered" in u.texts()[-1] for u in customers)
    admin = harness.user(ADMIN)

    queue = await _pages(harness, admin, "/queue")
    assert len({n for page in queue for n in NUMBER.findall(page)}) == MANY
    complaints = await _pages(harness, admin, "/complaints")
    assert len({n for page in complaints for n in NUMBER.findall(page)}) == MANY
    outbox = await _pages(harness, admin, "/outbox")
    dead = {m for page in outbox for m in re.findall(rf"#(\d+) → {BLOCKED_DESK}", page)}
    assert len(dead) == MANY  # the new-case notice of every customer's report

    # A page button that no longer fits (the list shrank) shows the last page.
    message = admin.last()
    admin.press_data("pg:cmp:999", message.message_id)
    await harness.settle()
    assert harness.server.message(ADMIN, message.message_id).text == complaints[-1]

    customer = customers[0]
    async with harness.session() as session, session.begin():
        owner = await people.get_customer(session, telegram_id=customer.chat_id)
        assert owner is not None
        for i in range(MANY):
            model = f"Rooftop chiller {i} " + "with heat recovery, twin compressors " * 3
            await make_product(
                session, serial=f"OWN-{i:04d}", now=now, customer=owner, model=model[:100]
            )
            await make_case(session, customer=owner, now=now, description=LONG[:500])
    products = await _pages(harness, customer, "/products")
    assert len({s for page in products for s in re.findall(r"OWN-\d{4}", page)}) == MANY
    async with harness.session() as session, session.begin():
        for i in range(MANY):
            name = f"Technician {i:02d} " + "of the northern rooftop crew " * 3
            await make_staff(
                session, telegram_id=30000 + i, roles=["technician", "dispatcher"], now=now,
                name=name[:100],
            )  # fmt: skip
    staff = await _pages(harness, admin, "/staff")
    assert len({n for page in staff for n in re.findall(r"Technician \d\d", page)}) == MANY
    cases = await _pages(harness, customer, "/cases")
    shown = customer.last()
    assert len(cases) > 1 and len(shown.button_texts()) <= 16


@pytest.mark.long
async def test_a_technicians_jobs_page(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> None:
    harness = Harness(botapi, engine, clock, auto_assign=True)
    await harness.start()
    try:
        async with harness.session() as session, session.begin():
            await make_staff(
                session, telegram_id=TECH, roles=["technician"], now=clock.now(),
                regions=["Pudong"], skills=["hvac"], max_open_jobs=MANY + 5,
            )  # fmt: skip
        await _customers_report(harness)
        tech = harness.user(TECH)
        before = len(tech.inbox())
        pages = await _pages(harness, tech, "/jobs")
        assert len(pages) == MANY // 5
        cards = [m.text or "" for m in tech.inbox()[before:] if "Quote:" in (m.text or "")]
        assert len(cards) == MANY and len({NUMBER.findall(c)[0] for c in cards}) == MANY
    finally:
        await harness.stop()
