"""A re-repair is surveyed again; a complaint the customer is not satisfied with reopens (#22)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.lifecycle import CaseKind, CaseStatus
from sandbox.users import SandboxUser
from storage.models import Case, Reminder, Survey
from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import (
    DISPATCHER,
    TECH_B,
    check_in,
    closed_job,
    file_report,
    harness,
    only_case,
)
from tests.factories import make_staff
from tests.harness import Harness

__all__ = ["harness"]

SUPERVISOR = 5009


async def _survey_says_not_solved(harness: Harness, customer: SandboxUser) -> None:
    """The survey is pushed an hour after closure; the customer says it is not solved."""
    harness.advance(timedelta(hours=1))
    await harness.tick()
    assert "Question 1 of 7" in customer.texts()[-1]
    for label in ("3 — Neutral", "Yes", "4 — Good"):
        await press(harness, customer, label)
    await press(harness, customer, "No")


async def test_a_re_repair_gets_its_own_survey(harness: Harness) -> None:
    customer = await closed_job(harness)
    case = await only_case(harness)
    await _survey_says_not_solved(harness, customer)
    assert any(f"Case {case.number} is reopened" in t for t in customer.texts())

    # The desk assigns the reopened case again; the technician repairs it and it closes again.
    desk, tech = harness.user(DISPATCHER), harness.user(TECH_B)
    await say(harness, desk, "/queue")
    await press(harness, desk, f"Assign {case.number}")
    await press(harness, desk, "1. Tech Bo")  # not the technician of the failed repair
    await press(harness, tech, "Accept")
    await check_in(harness, tech)
    assert "filed" in await file_report(harness, tech)
    await press(harness, customer, "Confirm")
    closed_again = harness.clock.now()

    harness.advance(timedelta(hours=1))
    await harness.tick()
    pushed = customer.texts()[-1]
    assert f"Your case {case.number} is closed" in pushed and "Question 1 of 7" in pushed
    assert "Question 2 of 7" in await press(harness, customer, "5 — Very satisfied")
    async with harness.session() as session:
        surveys = list(
            await session.scalars(
                select(Survey).where(Survey.case_id == case.id).order_by(Survey.repair_round)
            )
        )
        keys = set(
            await session.scalars(
                select(Reminder.key).where(Reminder.case_id == case.id, Reminder.kind == "survey")
            )
        )
    assert [s.repair_round for s in surveys] == [0, 1]
    assert surveys[1].created_at == closed_again and surveys[1].status == "sent"
    assert f"case:{case.id}:survey:push:1" in keys and f"case:{case.id}:survey:expire:1" in keys

    # The first survey's expiry, planned before the reopen, leaves the second survey open.
    harness.advance(timedelta(days=6, hours=22))
    await harness.tick()
    async with harness.session() as session:
        second = await session.get(Survey, surveys[1].id)
    assert second is not None and second.status == "sent"


async def _complaint(harness: Harness) -> Case:
    async with harness.session() as session:
        complaint = await session.scalar(select(Case).where(Case.kind == CaseKind.COMPLAINT))
    assert complaint is not None
    return complaint


async def _close(harness: Harness, supervisor: SandboxUser, number: str) -> None:
    """The supervisor takes the complaint from /complaints and closes it with a root cause."""
    await say(harness, supervisor, "/complaints")
    assert f"You own complaint {number}" in await press(harness, supervisor, f"Take {number}")
    await press(harness, supervisor, "Close with root cause")
    await press(harness, supervisor, "Communication")
    await say(harness, supervisor, "Called the customer and apologised.")
    assert f"Complaint {number} is closed" in supervisor.texts()[-1]


async def test_not_satisfied_reopens_the_complaint_with_its_clock(harness: Harness) -> None:
    customer = await closed_job(harness)
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=SUPERVISOR, roles=["supervisor"],
                         now=harness.clock.now(), name="Chen Sup")  # fmt: skip
    case = await only_case(harness)
    await say(harness, customer, "/complaint")
    await press(harness, customer, "General complaint")
    await say(harness, customer, "Nobody called me back.")
    complaint = await _complaint(harness)
    # Complaints are numbered in their own series, apart from service requests.
    day = harness.clock.now().strftime("%Y%m%d")
    assert (case.number, complaint.number) == (f"SR-{day}-0001", f"CP-{day}-0001")
    assert f"registered as {complaint.number}" in customer.texts()[-1]

    supervisor = harness.user(SUPERVISOR)
    await _close(harness, supervisor, complaint.number)
    harness.advance(timedelta(hours=2))
    answer = await press(harness, customer, "No, not satisfied")
    assert f"A supervisor will look at complaint {complaint.number} again" in answer

    reopened_at = harness.clock.now()
    async with harness.session() as session:
        stored = await session.get(Case, complaint.id)
        keys = set(
            await session.scalars(
                select(Reminder.key).where(
                    Reminder.case_id == complaint.id, Reminder.cancelled_at.is_(None)
                )
            )
        )
    assert stored is not None and stored.status == CaseStatus.NEW
    assert stored.owner_id is None and stored.reopen_count == 1
    assert stored.response_due_at == reopened_at + timedelta(hours=24)
    assert f"case:{complaint.id}:response:breach:1" in keys
    owner_notice = supervisor.texts()[-2:]
    assert any(
        f"Complaint {complaint.number}, which you closed, is open again" in t for t in owner_notice
    )
    await say(harness, supervisor, "/complaints")
    assert "Open complaints (1)" in supervisor.texts()[-1]

    # Taken again and closed again: the customer is asked again and is satisfied this time.
    await _close(harness, supervisor, complaint.number)
    assert f"{complaint.number} is settled" in await press(harness, customer, "Yes, satisfied")
    async with harness.session() as session:
        stored = await session.get(Case, complaint.id)
    assert stored is not None and stored.status == CaseStatus.CLOSED
    assert stored.handling_satisfied is True
