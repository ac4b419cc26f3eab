"""The scenario builders (tests/world.py) leave what the product leaves: named people, an
Assignment by the dispatcher, the technician's report, the customer's confirmation, a survey."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Assignment, Case, CaseEvent, Quote, ServiceReport, Staff, StaffInvite
from tests.harness import Harness
from tests.world import World


async def _events(harness: Harness, case_id: int) -> list[tuple[str, str]]:
    async with harness.session() as session:
        rows = await session.execute(
            select(CaseEvent.actor, CaseEvent.action)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.id)
        )
        return [(actor, action) for actor, action in rows]


async def test_people_join_by_invite_and_get_details_from_the_cli(
    harness: Harness, world: World
) -> None:
    await world.technician(7101, "Tech Qi", regions=("Pudong",), skills=("hvac", "boiler"))
    await world.staff(7102, "dispatcher", "Desk Ma")
    customer = await world.customer(7103, region="Minhang", key=True, company="ACME")
    assert "You are registered, Wang Wei" in customer.texts()[-1]
    async with harness.session() as session:
        tech = await session.scalar(select(Staff).where(Staff.telegram_id == 7101))
        desk = await session.scalar(select(Staff).where(Staff.telegram_id == 7102))
        used = list(await session.scalars(select(StaffInvite.used_at)))
    assert tech is not None and desk is not None
    assert (tech.phone, tech.regions, tech.skills) == ("+8613900139000", "Pudong", "hvac,boiler")
    assert tech.base_latitude is not None
    assert (desk.phone, desk.regions, desk.skills) in ((None, "", ""), (None, None, None))
    assert len(used) == 2 and all(at is not None for at in used)


async def test_a_closed_case_went_through_every_step(harness: Harness, world: World) -> None:
    team = await world.team()
    user = await world.customer(7201)
    built = await world.closed_case(user, team, serial="SN-7201")
    async with harness.session() as session:
        case = await session.get(Case, built.case_id)
        assignment = await session.scalar(
            select(Assignment).where(Assignment.case_id == built.case_id)
        )
        report = await session.scalar(
            select(ServiceReport).where(ServiceReport.case_id == built.case_id)
        )
        desk = await session.scalar(select(Staff).where(Staff.telegram_id == 7002))
    assert case is not None and assignment is not None and report is not None
    assert desk is not None and assignment.assigned_by == desk.id
    assert case.status == "closed" and case.close_reason == "confirmed"
    assert None not in (case.responded_at, case.accepted_at, case.arrived_at, case.resolved_at)
    assert case.visits == 1 and case.technician_id == assignment.technician_id
    assert report.confirmation == "confirmed" and report.fixed
    assert built.survey_id is not None
    assert await _events(harness, built.case_id) == [
        ("customer", "create"),
        ("desk", "assign"),
        ("technician", "accept"),
        ("technician", "check_in"),
        ("technician", "report_fixed"),
        ("customer", "close"),
    ]


async def test_quoted_reopened_and_complaint(harness: Harness, world: World) -> None:
    team = await world.team()
    user = await world.customer(7301)
    quoted = await world.quoted_case(user, team, serial="SN-7301")
    reopened = await world.reopened_case(
        await world.customer(7302, phone="+8613800138002"), team, serial="SN-7302"
    )
    complaint = await world.complaint(user, about=quoted.number)
    async with harness.session() as session:
        quote = await session.scalar(select(Quote).where(Quote.case_id == quoted.case_id))
        stored = await session.get(Case, complaint.case_id)
    assert quote is not None and quote.status == "pending" and quote.total_cents == 19_100
    assert stored is not None and stored.kind == "complaint"
    assert stored.parent_id == quoted.case_id
    assert (await _events(harness, reopened.case_id))[-1][1] == "reopen"
