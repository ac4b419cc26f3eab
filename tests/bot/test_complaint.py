"""Complaints through the real bot: filing, ownership, closure with root cause, the verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.complaints import Source
from domain.lifecycle import CaseKind, CaseStatus
from domain.policy import ServicePolicy
from services import complaints
from services.complaints import ComplaintError
from storage.models import Case, Reminder
from storage.repos import people
from tests.bot.survey_steps import SUPERVISOR_ID, TECHNICIAN_ID, closed_case, staff, tap
from tests.harness import Harness
from tests.world import World

OTHER_SUPERVISOR = 7004


def _popup(harness: Harness, update_id: int) -> str | None:
    """The notice shown for a button press, if any."""
    answered = harness.server.callback_answer(update_id)
    return answered.get("text") if answered else None


async def _complaint(harness: Harness) -> Case:
    async with harness.session() as session:
        complaint = await session.scalar(
            select(Case).where(Case.kind == CaseKind.COMPLAINT).order_by(Case.id.desc())
        )
    assert complaint is not None
    return complaint


async def test_customer_files_a_complaint_about_a_case(harness: Harness, world: World) -> None:
    await staff(world)
    s = await closed_case(world, 6001)
    s.user.send_text("/complaint")
    await harness.settle()
    assert "What is your complaint about?" in s.user.texts()[-1]
    assert s.user.last().button_texts() == [f"{s.number} — fault repair", "General complaint"]
    assert f"what went wrong with case {s.number}" in await tap(harness, s.user, s.number)
    s.user.send_text("The technician left a mess and was 3 hours late.")
    await harness.settle()
    complaint = await _complaint(harness)
    assert f"Your complaint is registered as {complaint.number}" in s.user.texts()[-1]
    assert "2026-11-24 09:00" in s.user.texts()[-1]
    assert complaint.parent_id == s.case_id and complaint.status == CaseStatus.NEW
    assert complaint.description == "The technician left a mess and was 3 hours late."
    supervisor = harness.user(SUPERVISOR_ID)
    notice = next(t for t in supervisor.texts() if complaint.number in t)
    assert f"New complaint {complaint.number} about {s.number} (filed by the customer)" in notice
    async with harness.session() as session:
        keys = set(
            await session.scalars(select(Reminder.key).where(Reminder.case_id == complaint.id))
        )
    assert f"case:{complaint.id}:response:breach:0" in keys


async def test_general_complaint_in_chinese_and_bad_input(harness: Harness, world: World) -> None:
    await staff(world)
    user = await world.customer(6002, chinese=True)
    user.send_text("/complaint")
    await harness.settle()
    assert "您要投诉哪件事" in user.texts()[-1]
    assert "请描述您的投诉内容" in await tap(harness, user, "一般投诉")
    user.send_text("x" * 2001)
    await harness.settle()
    assert "2000" in user.texts()[-1]
    user.send_text("客服电话总是打不通。")
    await harness.settle()
    complaint = await _complaint(harness)
    assert f"您的投诉已登记，编号 {complaint.number}" in user.texts()[-1]
    assert complaint.parent_id is None and complaint.description == "客服电话总是打不通。"


async def test_complaint_lifecycle_with_refusals(harness: Harness, world: World) -> None:
    await staff(world)
    await world.staff(OTHER_SUPERVISOR, "supervisor", "Zhou")
    s = await closed_case(world, 6003)
    s.user.send_text("/complaint")
    await harness.settle()
    await tap(harness, s.user, "General complaint")
    s.user.send_text("Nobody called me back.")
    await harness.settle()
    complaint = await _complaint(harness)

    # Not for technicians or customers.
    technician = harness.user(TECHNICIAN_ID)
    technician.send_text("/complaints")
    await harness.settle()
    assert technician.texts()[-1] == "This is not available to you."

    supervisor = harness.user(SUPERVISOR_ID)
    other = harness.user(OTHER_SUPERVISOR)
    supervisor.send_text("/complaints")
    await harness.settle()
    listing = supervisor.texts()[-1]
    assert "Open complaints (1)" in listing and "owner: nobody yet" in listing
    # Closing before anyone owns it is refused.
    early = supervisor.press_data(f"cpc:{complaint.id}", supervisor.last().message_id)
    await harness.settle()
    assert (
        _popup(harness, early)
        == f"Take ownership of complaint {complaint.number} before closing it."
    )
    text = await tap(harness, supervisor, f"Take {complaint.number}")
    assert f"You own complaint {complaint.number}" in text
    assert any("is being handled by Chen Sup" in t for t in s.user.texts())
    async with harness.session() as session:
        stored = await session.get(Case, complaint.id)
        open_response = await session.scalar(
            select(Reminder.id).where(
                Reminder.case_id == complaint.id,
                Reminder.kind == "response",
                Reminder.cancelled_at.is_(None),
                Reminder.sent_at.is_(None),
            )
        )
    assert stored is not None and stored.owner_id is not None
    assert stored.responded_at == harness.clock.now() and open_response is None

    # The other supervisor can neither take it nor close it.
    other.send_text("/complaints")
    await harness.settle()
    assert "owner: Chen Sup" in other.texts()[-1] and other.last().button_texts() == []
    taken = other.press_data(f"cpo:{complaint.id}", other.last().message_id)
    closing = other.press_data(f"cpc:{complaint.id}", other.last().message_id)
    forged = technician.press_data(f"cpo:{complaint.id}", technician.last().message_id)
    await harness.settle()
    owned = f"Complaint {complaint.number} is owned by another supervisor."
    assert _popup(harness, taken) == owned and _popup(harness, closing) == owned
    assert _popup(harness, forged) == "This is not available to you."
    async with harness.session() as session:
        stored = await session.get(Case, complaint.id)
        owner = await people.get_staff(session, telegram_id=SUPERVISOR_ID)
    assert stored is not None and owner is not None and stored.owner_id == owner.id

    # The owner closes it: root cause, then corrective action.
    harness.advance(timedelta(hours=5))
    assert "What was the root cause?" in await tap(harness, supervisor, "Close with root cause")
    assert "corrective action" in await tap(harness, supervisor, "Communication")
    supervisor.send_text("Called the customer; call-back rule added to the desk checklist.")
    await harness.settle()
    assert f"Complaint {complaint.number} is closed" in supervisor.texts()[-1]
    outcome = next(t for t in s.user.texts() if "has been handled" in t)
    assert f"Your complaint {complaint.number} has been handled" in outcome
    assert "Cause: Communication" in outcome and "call-back rule" in outcome
    assert f"{complaint.number} is settled" in await tap(harness, s.user, "Yes, satisfied")
    again = s.user.press_data(f"cph:{complaint.id}:0", s.user.last().message_id)
    await harness.settle()
    assert _popup(harness, again) == "You have already answered this."
    async with harness.session() as session:
        stored = await session.get(Case, complaint.id)
    assert stored is not None and stored.status == CaseStatus.CLOSED
    assert stored.root_cause == "communication" and stored.handling_satisfied is True
    assert stored.closed_at == harness.clock.now()
    supervisor.send_text("/complaints")
    await harness.settle()
    assert supervisor.texts()[-1] == "There are no open complaints."


async def test_closure_needs_owner_root_cause_and_corrective_action(
    harness: Harness, world: World
) -> None:
    await staff(world)
    s = await closed_case(world, 6004)
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        customer = await people.get_customer(session, telegram_id=6004)
        sup = await people.get_staff(session, telegram_id=SUPERVISOR_ID)
        parent = await session.get(Case, s.case_id)
        assert customer is not None and sup is not None and parent is not None
        complaint = await complaints.open_complaint(
            session,
            customer=customer,
            parent=parent,
            description="late",
            source=Source.CUSTOMER,
            now=now,
            policy=ServicePolicy(),
        )
        with pytest.raises(ComplaintError, match="not_owned"):
            await complaints.close_complaint(
                session,
                complaint=complaint,
                staff=sup,
                root_cause="lateness",
                corrective_action="x",
                now=now,
            )
        await complaints.take_ownership(session, complaint=complaint, staff=sup, now=now)
        with pytest.raises(ComplaintError, match="owner_mine"):
            await complaints.take_ownership(session, complaint=complaint, staff=sup, now=now)
        with pytest.raises(ComplaintError, match="missing_root_cause"):
            await complaints.close_complaint(
                session,
                complaint=complaint,
                staff=sup,
                root_cause=None,
                corrective_action="Apologised",
                now=now,
            )
        with pytest.raises(ComplaintError, match="missing_corrective_action"):
            await complaints.close_complaint(
                session,
                complaint=complaint,
                staff=sup,
                root_cause="lateness",
                corrective_action="  ",
                now=now,
            )
        assert complaint.status == CaseStatus.NEW and complaint.root_cause is None
        await complaints.close_complaint(
            session,
            complaint=complaint,
            staff=sup,
            root_cause="lateness",
            corrective_action="Apologised; route planning fixed.",
            now=now,
        )
        with pytest.raises(ComplaintError, match="closed"):
            await complaints.close_complaint(
                session,
                complaint=complaint,
                staff=sup,
                root_cause="lateness",
                corrective_action="again",
                now=now,
            )
        assert complaint.status == CaseStatus.CLOSED
