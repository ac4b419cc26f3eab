"""The technician's job: quotes out of warranty, follow-up visits, confirmation, reminders."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sandbox.users import SandboxUser
from storage.models import Case, OutboxMessage, Quote, ServiceReport, Survey
from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import (
    QUALITY_CHAT,
    assign_to,
    check_in,
    customer_with_case,
    file_report,
    harness,
    only_case,
    past,
    staff_team,
    timeline,
)
from tests.harness import Harness

__all__ = ["harness"]


async def _quote(harness: Harness, tech: SandboxUser) -> None:
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Quote")
    assert "not a part" not in await say(harness, tech, "Relay, 2, 35.50")
    assert "Please send a part" in await say(harness, tech, "just a relay")
    await press(harness, tech, "No more parts")
    assert "amount" in await say(harness, tech, "a lot")
    await say(harness, tech, "100")
    summary = await say(harness, tech, "20")
    assert "Total: ¥191.00" in summary
    assert "sent to the customer" in await press(harness, tech, "Send to customer")


async def test_out_of_warranty_quote_approved_then_work_and_report(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    jobs = await say(harness, tech_a, "/jobs")
    assert "Quote: 💰 needed" in jobs
    await _quote(harness, tech_a)
    quote_text = customer.texts()[-1]
    assert "Relay × 2 @ ¥35.50" in quote_text and "Total: ¥191.00" in quote_text
    assert (await only_case(harness)).status == "quote_pending"
    await press(harness, customer, "Approve")
    assert "approved the quote" in tech_a.texts()[-1]
    assert "Quote: ✅ approved, ¥191.00" in await say(harness, tech_a, "/jobs")
    await check_in(harness, tech_a)
    await file_report(harness, tech_a, parts=("Relay, 2, 35.50",))
    assert "Your cost: ¥191.00" in customer.texts()[-1]
    case = await only_case(harness)
    assert await timeline(harness, case.id) == [
        "create", "assign", "accept", "quote", "approve_quote", "check_in", "report_fixed",
    ]  # fmt: skip
    async with harness.session() as session:
        report = await session.scalar(select(ServiceReport))
    assert report is not None and report.labour_cents == 10000 and report.travel_cents == 2000


async def test_declined_quote_closes_the_case(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    await say(harness, tech_a, "/jobs")
    assert "Report" not in str(tech_a.last().buttons())  # work waits for an approved quote
    await _quote(harness, tech_a)
    await press(harness, customer, "Decline")
    assert "closed" in customer.texts()[-1]
    assert "declined the quote" in tech_a.texts()[-1]
    assert "declined the quote" in desk.texts()[-1]
    case = await only_case(harness)
    assert case.status == "closed" and case.close_reason == "quote_declined"
    assert case.closed_at is not None
    assert await timeline(harness, case.id) == [
        "create", "assign", "accept", "check_in", "quote", "decline_quote",
    ]  # fmt: skip
    async with harness.session() as session:
        quote = await session.scalar(select(Quote))
        survey = await session.scalar(select(Survey))
    assert quote is not None and quote.status == "declined" and survey is not None
    customer.press_data(f"qt:ok:{quote.id}", customer.last().message_id)  # a stale press
    await harness.settle()
    assert (await only_case(harness)).status == "closed"


async def test_undecided_quote_is_reminded_then_flagged(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await _quote(harness, tech_a)
    harness.advance(timedelta(hours=24, minutes=1))
    await harness.tick()
    assert "Reminder: the quote for SR-20261123-0001" in customer.texts()[-1]
    harness.advance(timedelta(hours=48))
    await harness.tick()
    assert "has not decided on the quote" in desk.texts()[-1]
    case = await only_case(harness)
    assert case.status == "quote_pending"
    assert (await timeline(harness, case.id))[-1] == "flag"


async def test_not_fixed_means_a_follow_up_visit(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    answer = await file_report(harness, tech_a, fixed=False, followup="2026-11-26 10:00")
    assert "follow-up" in answer
    assert "will come back by 2026-11-26 10:00" in customer.texts()[-1]
    case = await only_case(harness)
    assert case.status == "accepted" and case.visits == 1
    assert case.onsite_due_at is not None and case.onsite_due_at.hour == 2  # 10:00 Shanghai
    await check_in(harness, tech_a)
    await file_report(harness, tech_a)
    await press(harness, customer, "Confirm")
    case = await only_case(harness)
    assert case.status == "closed" and case.visits == 2 and case.first_time_fix is False
    assert await timeline(harness, case.id) == [
        "create", "assign", "accept", "check_in", "report_not_fixed", "check_in",
        "report_fixed", "close",
    ]  # fmt: skip


async def test_unanswered_report_closes_after_48_hours(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    harness.advance(timedelta(hours=4, minutes=1))
    await harness.tick()
    assert "Please file the service report" in tech_a.texts()[-1]
    await file_report(harness, tech_a)
    harness.advance(timedelta(hours=47))
    await harness.tick()
    assert (await only_case(harness)).status == "resolved"
    harness.advance(timedelta(hours=1, minutes=1))
    await harness.tick()
    assert "we heard nothing back" in customer.texts()[-1]
    case = await only_case(harness)
    assert case.status == "closed" and case.close_reason == "auto" and case.first_time_fix
    async with harness.session() as session:
        report = await session.scalar(select(ServiceReport))
        survey = await session.scalar(select(Survey))
    assert report is not None and report.confirmation == "auto" and survey is not None


async def test_disputed_report_reopens_the_case_for_the_desk(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    await file_report(harness, tech_a)
    await press(harness, customer, "Still a problem")
    await say(harness, customer, "Still noisy at night")
    assert "reopened" in customer.texts()[-1]
    assert "disputes the report" in tech_a.texts()[-1]
    assert "New fault repair SR-20261123-0001" in desk.texts()[-1]
    case = await only_case(harness)
    assert case.status == "new" and case.reopen_count == 1 and case.technician_id is None
    async with harness.session() as session:
        report = await session.scalar(select(ServiceReport))
    assert report is not None and report.dispute_text == "Still noisy at night"
    assert (await timeline(harness, case.id))[-1] == "reopen"
    # A reopened case is a request again: the desk must answer it within the window.
    assert case.responded_at is None and case.first_time_fix is False
    assert case.response_due_at == harness.clock.now() + timedelta(hours=24)
    harness.advance(timedelta(hours=18))
    await harness.tick()
    assert "SR-20261123-0001" in desk.texts()[-1]


async def test_major_quality_problem_goes_to_the_quality_chat(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    await say(harness, tech_a, "/jobs")
    await press(harness, tech_a, "Report")
    await say(harness, tech_a, "Replaced the compressor")
    await press(harness, tech_a, "No more parts")
    await say(harness, tech_a, "3")
    await say(harness, tech_a, "0")
    await press(harness, tech_a, "Supplier part")
    await say(harness, tech_a, "Acme Compressors Ltd")
    await press(harness, tech_a, "Yes")
    await press(harness, tech_a, "Yes")
    assert "Supplier: Acme Compressors Ltd" in tech_a.texts()[-1]
    await press(harness, tech_a, "Submit")
    async with harness.session() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.chat_id == QUALITY_CHAT)
        )
        case = await session.scalar(select(Case))
    assert row is not None and row.payload["key"] == "desk.major_quality"
    assert case is not None and case.root_cause == "supplier"


async def test_a_note_on_the_job_joins_the_timeline_and_never_reaches_the_customer(
    harness: Harness,
) -> None:
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await say(harness, tech, "/jobs")
    assert "Type your note for SR-20261123-0001" in await press(harness, tech, "Add note")
    assert "Note added to SR-20261123-0001" in await say(harness, tech, "Gate code 4711, dog")
    assert "note" in await timeline(harness, (await only_case(harness)).id)
    assert not [t for t in customer.texts() if "Gate code" in t]
    # Once the job is no longer theirs, a typed note is refused, not stored on someone's case.
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Add note")
    admin = harness.user(9000, "Boss")
    await say(harness, admin, "/staff")
    await press(harness, admin, "Remove Tech An")
    await press(harness, admin, "Remove from staff")
    await say(harness, tech, "Second note")
    assert (await timeline(harness, (await only_case(harness)).id)).count("note") == 1
