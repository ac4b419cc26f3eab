"""Response and on-site clocks driven by the injected clock: who is told what, once."""

from __future__ import annotations

from datetime import timedelta

from domain.lifecycle import CaseKind
from storage.repos import reminders
from tests.harness import Harness
from tests.scheduler.steps import (
    CUSTOMER,
    DISPATCHER,
    SUPERVISOR,
    TECHNICIAN,
    assign_and_accept,
    check_in,
    desk_message,
    new_case,
    staff,
)


def said(harness: Harness, user_id: int, fragment: str) -> list[str]:
    """The messages a user received that contain a fragment."""
    return [t for t in harness.user(user_id).texts() if fragment in t]


async def test_unanswered_case_reminds_the_desk_then_escalates_to_supervisors_once(
    harness: Harness,
) -> None:
    await staff(harness)
    case_id = await new_case(harness)
    assert await harness.tick() == 0
    harness.advance(timedelta(hours=18) - timedelta(minutes=1))
    await harness.tick()
    assert said(harness, DISPATCHER, "no response") == []
    harness.advance(timedelta(minutes=1))
    await harness.tick()
    await harness.tick()
    reminded = said(harness, DISPATCHER, "no response")
    assert len(reminded) == 1
    assert "has had no response for 18 h" in reminded[0]
    assert "must be answered by 2026-11-24 09:00" in reminded[0]
    assert said(harness, SUPERVISOR, "not answered") == []
    harness.advance(timedelta(hours=6))
    await harness.tick()
    await harness.tick()
    escalated = said(harness, SUPERVISOR, "was not answered within 24 h")
    assert len(escalated) == 1 and "(fault repair)" in escalated[0]
    assert said(harness, DISPATCHER, "not answered") == []
    async with harness.session() as session:
        rows = await reminders.reminders_of(session, case_id=case_id)
    assert [(r.stage, r.sent_at is not None) for r in rows if r.kind == "response"] == [
        ("remind", True),
        ("breach", True),
    ]


async def test_the_first_human_response_stops_the_response_clock(harness: Harness) -> None:
    await staff(harness)
    assigned = await new_case(harness)
    messaged = await new_case(harness, customer_id=CUSTOMER + 1)
    harness.advance(timedelta(hours=2))
    await assign_and_accept(harness, assigned)
    await desk_message(harness, messaged, "We will call you this afternoon.")
    harness.advance(timedelta(hours=30))
    await harness.tick()
    assert said(harness, DISPATCHER, "no response") == []
    assert said(harness, SUPERVISOR, "not answered") == []
    async with harness.session() as session:
        rows = await reminders.reminders_of(session, case_id=assigned)
    # Assigning stopped the response clock; accepting closed the accept window.
    assert {r.kind for r in rows if r.cancelled_at is not None} == {"response", "accept"}


async def test_complaints_go_to_supervisors_at_both_stages(harness: Harness) -> None:
    await staff(harness)
    await new_case(harness, kind=CaseKind.COMPLAINT)
    harness.advance(timedelta(hours=18))
    await harness.tick()
    assert len(said(harness, SUPERVISOR, "Complaint CP-")) == 1
    assert said(harness, DISPATCHER, "CP-") == []
    harness.advance(timedelta(hours=6))
    await harness.tick()
    assert len(said(harness, SUPERVISOR, "was not answered within 24 h")) == 1
    assert said(harness, DISPATCHER, "CP-") == []


async def test_onsite_pings_then_breach_tells_desk_supervisors_and_apologises(
    harness: Harness,
) -> None:
    await staff(harness)
    case_id = await new_case(harness, onsite_in=timedelta(hours=8))
    await assign_and_accept(harness, case_id)
    harness.advance(timedelta(hours=6))
    await harness.tick()
    pings = said(harness, TECHNICIAN, "expects you on site by 2026-11-23 17:00")
    assert len(pings) == 1 and "(120 min left)" in pings[0]
    assert "88 Century Ave" in pings[0]
    harness.advance(timedelta(minutes=90))
    await harness.tick()
    pings = said(harness, TECHNICIAN, "expects you on site")
    assert len(pings) == 2 and "(30 min left)" in pings[1]
    harness.advance(timedelta(minutes=30))
    await harness.tick()
    await harness.tick()
    for user_id in (DISPATCHER, SUPERVISOR):
        breach = said(harness, user_id, "was not on site by 2026-11-23 17:00")
        assert len(breach) == 1 and "technician Wang Wu" in breach[0]
    apology = said(harness, CUSTOMER, "We are sorry")
    assert len(apology) == 1
    assert "Current status: technician on the way" in apology[0]
    assert len(said(harness, TECHNICIAN, "expects you on site")) == 2


async def test_check_in_stops_the_onsite_clock(harness: Harness) -> None:
    await staff(harness)
    case_id = await new_case(harness, onsite_in=timedelta(hours=8))
    await assign_and_accept(harness, case_id)
    harness.advance(timedelta(hours=6))
    await harness.tick()
    await check_in(harness, case_id)
    harness.advance(timedelta(hours=3))
    await harness.tick()
    assert len(said(harness, TECHNICIAN, "expects you on site")) == 1
    assert said(harness, DISPATCHER, "not on site") == []
    assert said(harness, CUSTOMER, "We are sorry") == []


async def test_an_early_check_in_leaves_nothing_of_the_onsite_clock_to_fire(
    harness: Harness,
) -> None:
    await staff(harness)
    case_id = await new_case(harness, onsite_in=timedelta(hours=8))
    await assign_and_accept(harness, case_id)
    await check_in(harness, case_id)  # before the first ping
    async with harness.session() as session:
        rows = await reminders.reminders_of(session, case_id=case_id)
    assert {r.stage for r in rows if r.kind == "onsite" and r.cancelled_at is None} == set()
    harness.advance(timedelta(hours=9))
    await harness.tick()
    assert said(harness, TECHNICIAN, "expects you") == []
    assert said(harness, SUPERVISOR, "not on site") == []
    assert said(harness, CUSTOMER, "We are sorry") == []
