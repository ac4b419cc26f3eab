"""The whole job through the real bot: report, assign, accept, check in, report, confirm."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Assignment, Reminder, ServiceReport, Survey
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    assign_to,
    check_in,
    customer_with_case,
    file_report,
    harness,
    only_case,
    staff_team,
    timeline,
)
from tests.factories import make_product
from tests.harness import Harness

__all__ = ["harness"]


async def test_happy_path_from_report_to_closure(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    notice = desk.last().text or ""
    assert "New fault repair SR-20261123-0001" in notice
    assert "Compressor makes a loud noise" in notice and "in warranty" in notice

    await press(harness, desk, "Assign")
    proposal = desk.last().text or ""
    assert (
        "Tech An" in proposal and "knows the product" in proposal and "0/5 open jobs" in proposal
    )
    await press(harness, desk, "Tech An")
    assert "assigned to Tech An" in desk.texts()[-1]

    dispatch = tech_a.last().text or ""
    assert "New job for you" in dispatch and "Wang Wei, +8613800138000" in dispatch
    assert "On site by: 2026-11-24 18:00" in dispatch and "Accept" in str(tech_a.last().buttons())
    await press(harness, tech_a, "Accept")
    assert "technician Tech An" in customer.texts()[-1]
    assert "2026-11-24 18:00" in customer.texts()[-1]

    answer = await check_in(harness, tech_a)
    assert "Checked in" in answer
    answer = await file_report(harness, tech_a, parts=("Start relay, 1, 35.50",))
    assert "filed" in answer
    report_text = customer.texts()[-1]
    assert "Service report for SR-20261123-0001" in report_text
    assert "Your cost: ¥0.00" in report_text  # under warranty, whatever the parts cost
    await press(harness, customer, "Confirm")
    assert "closed" in customer.texts()[-2]
    copy = customer.last()  # the report as a PDF follows the answer
    assert copy.document_file_id and "copy of the service report" in (copy.text or "")
    assert "confirmed the work" in tech_a.texts()[-1]

    case = await only_case(harness)
    assert case.status == "closed" and case.close_reason == "confirmed"
    assert case.responded_at is not None and case.accepted_at is not None
    assert case.arrived_at is not None and case.closed_at is not None
    assert case.first_time_fix is True and case.visits == 1
    assert await timeline(harness, case.id) == [
        "create", "assign", "accept", "check_in", "report_fixed", "close",
    ]  # fmt: skip
    async with harness.session() as session:
        report = await session.scalar(select(ServiceReport))
        survey = await session.scalar(select(Survey).where(Survey.case_id == case.id))
        assignment = await session.scalar(select(Assignment))
        kinds = {
            (r.kind, r.stage)
            for r in await session.scalars(
                select(Reminder).where(
                    Reminder.case_id == case.id,
                    Reminder.sent_at.is_(None),
                    Reminder.cancelled_at.is_(None),
                )
            )
        }
    assert report is not None and report.parts_cents == 3550 and report.customer_cost_cents == 0
    assert report.confirmation == "confirmed" and report.root_cause == "wear"
    assert survey is not None
    assert assignment is not None and assignment.rank_reason is not None
    assert kinds <= {("survey", "push"), ("survey", "remind"), ("survey", "expire")}


async def test_shared_site_location_gives_a_distance_and_a_map_pin(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-2002", now=harness.clock.now())
    customer = await register(harness, CUSTOMER)
    await say(harness, customer, "/report")
    await say(harness, customer, "SN-2002")
    await say(harness, customer, "No cooling")
    await press(harness, customer, "Continue")
    customer.send_location(31.2304, 121.4737)
    await harness.settle()
    await press(harness, customer, "Skip")
    await press(harness, customer, "Tomorrow by 18:00")
    await press(harness, customer, "Confirm")

    await assign_to(harness, desk, "Tech An")
    pins = [(m.latitude, m.longitude) for m in tech_a.inbox() if m.latitude is not None]
    assert pins == [(31.2304, 121.4737)]
    await press(harness, tech_a, "Accept")
    answer = await check_in(harness, tech_a, 31.2404, 121.4737)  # about 1.1 km north
    assert "m from the site" in answer
    case = await only_case(harness)
    assert case.arrival_distance_m is not None and 1000 < case.arrival_distance_m < 1200
