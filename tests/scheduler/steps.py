"""People and cases for the scheduler tests: staff join by invite, the desk and the technician
act in the chat (so the Assignment row, its reminder round and the customer's notices are the
product's own); cases are opened by intake, as the report dialog opens them."""

from __future__ import annotations

from datetime import timedelta

from domain.lifecycle import CaseKind
from storage.models import Case
from storage.repos import people
from tests.bot.customer_steps import press, say
from tests.bot.job_steps import check_in as check_in_by_chat
from tests.factories import make_case, make_customer
from tests.harness import Harness
from tests.world import world_of

CUSTOMER = 2001
DISPATCHER = 3001
SUPERVISOR = 3002
TECHNICIAN = 3003
ADMIN = 3004


async def staff(harness: Harness) -> None:
    """A dispatcher, a supervisor, a technician ("Wang Wu") and an admin, joined by invite."""
    world = await world_of(harness)
    await world.staff(DISPATCHER, "dispatcher", "Zhang San")
    await world.staff(SUPERVISOR, "supervisor", "Li Si")
    await world.technician(TECHNICIAN, "Wang Wu")
    await world.staff(ADMIN, "admin", "Zhao Liu")


async def new_case(
    harness: Harness,
    *,
    customer_id: int = CUSTOMER,
    kind: CaseKind = CaseKind.FAULT,
    onsite_in: timedelta = timedelta(hours=8),
    region: str | None = None,
) -> int:
    """A freshly registered case (response clock planned, desk told); returns its id.

    The customer's region, if any, is set by the desk's `aftersales customer region` first; a
    complaint is filed by the customer through /complaint, as people file them.
    """
    world = await world_of(harness)
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        if await people.get_customer(session, telegram_id=customer_id) is None:
            await make_customer(session, telegram_id=customer_id, now=now)
    if region is not None:
        await world.command("customer", "region", str(customer_id), "--set", region)
    if kind == CaseKind.COMPLAINT:
        return (await world.complaint(harness.user(customer_id))).case_id
    async with harness.session() as session, session.begin():
        customer = await people.get_customer(session, telegram_id=customer_id)
        assert customer is not None
        case = await make_case(session, customer=customer, now=now, kind=kind, onsite_in=onsite_in)
    await harness.settle()  # the desk's notice delivered
    return case.id


async def assign_and_accept(harness: Harness, case_id: int, *, accept: bool = True) -> None:
    """The dispatcher assigns the case from its notice to Wang Wu, who accepts it."""
    async with harness.session() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        number = case.number
    desk = harness.user(DISPATCHER)
    [notice] = [
        m
        for m in desk.inbox()
        if m.text and number in m.text and any("Assign" in b for b in m.button_texts())
    ]
    desk.press("Assign", message_id=notice.message_id)
    await harness.settle()
    await press(harness, desk, "Wang Wu")
    if accept:
        await press(harness, harness.user(TECHNICIAN), "Accept")


async def check_in(harness: Harness, case_id: int) -> None:
    """The technician checks in on site from /jobs, sharing the location."""
    await check_in_by_chat(harness, harness.user(TECHNICIAN))


async def desk_message(harness: Harness, case_id: int, text: str) -> None:
    """The dispatcher writes to the customer with /reply: a human response, no status change."""
    async with harness.session() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        number = case.number
    answer = await say(harness, harness.user(DISPATCHER), f"/reply {number} {text}")
    assert "sent" in answer, answer
