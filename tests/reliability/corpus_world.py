"""Another person's rows at every stage, and what stored rows must look like after a step.

Shared by the bad-input tests (test_bad_input.py, test_bad_input_work.py): the world is made
before a step's people; at the end its rows must be as they were, and every stored job,
quote, report, survey and complaint whole (no half-done moves) and clean (no invisible or
control characters in what was typed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from domain import complaints as complaint_rules
from domain.complaints import Source
from domain.lifecycle import CaseKind, CaseStatus
from domain.policy import ServicePolicy
from domain.survey import COMMENT_LIMIT, ORDER
from services import complaints
from services.reports import ROOT_CAUSES
from storage.models import (
    Assignment,
    Case,
    CaseEvent,
    Product,
    Quote,
    ServiceReport,
    Survey,
    SurveyAnswer,
)
from tests.factories import (
    make_case,
    make_customer,
    make_job,
    make_product,
    make_staff,
)
from tests.harness import Harness
from tests.reliability.corpus_run import OTHER_ID, SECRETS, clean

OTHER_TECH_ID = 99_002
OTHER_SUPERVISOR_ID = 99_003
OTHER_DESK_ID = 99_004


async def make_world(harness: Harness) -> dict[str, int | str]:
    """Another customer's rows at every stage, whose details no one at a step may see or change.

    The other customer has a new case (the first, SR-…-0001), a job assigned to another
    technician, a resolved job with its report, a job waiting on a quote, a closed case with
    its survey, and a complaint owned by another supervisor.
    """
    now = harness.clock.now()
    policy = ServicePolicy()
    async with harness.session() as session, session.begin():
        other = await make_customer(
            session, telegram_id=OTHER_ID, now=now, name=SECRETS[0], phone=SECRETS[1]
        )
        product = await make_product(session, serial="SN-OTHER-1", now=now, customer=other)
        case = await make_case(
            session, customer=other, now=now, product=product, description=SECRETS[2],
            address=SECRETS[3],
        )  # fmt: skip
        tech = await make_staff(
            session, telegram_id=OTHER_TECH_ID, roles=["technician"], now=now, name="Tech Other"
        )
        supervisor = await make_staff(
            session, telegram_id=OTHER_SUPERVISOR_ID, roles=["supervisor"], now=now,
            name="Sup Other",
        )  # fmt: skip
        desk = await make_staff(
            session, telegram_id=OTHER_DESK_ID, roles=["dispatcher"], now=now, name="Desk Other"
        )
        job = await make_job(
            session, customer=other, technician=tech, dispatcher=desk, now=now,
            description=SECRETS[2],
        )  # fmt: skip
        resolved = await make_job(
            session, customer=other, technician=tech, dispatcher=desk, now=now,
            stage="resolved", description=SECRETS[2],
        )  # fmt: skip
        expired = await make_product(
            session, serial="SN-OTHER-2", now=now, customer=other,
            warranty_end=now.date() - timedelta(days=10),
        )  # fmt: skip
        quoted = await make_job(
            session, customer=other, technician=tech, dispatcher=desk, now=now,
            stage="quote_pending", product=expired, description=SECRETS[2],
        )  # fmt: skip
        closed = await make_job(
            session, customer=other, technician=tech, dispatcher=desk, now=now, stage="closed"
        )
        complaint = await complaints.open_complaint(
            session, customer=other, parent=closed, description="Late twice.",
            source=Source.CUSTOMER, now=now, policy=policy,
        )  # fmt: skip
        await complaints.take_ownership(session, complaint=complaint, staff=supervisor, now=now)
        assignment = await session.scalar(
            select(Assignment.id).where(Assignment.case_id == job.id)
        )
        report = await session.scalar(
            select(ServiceReport.id).where(ServiceReport.case_id == resolved.id)
        )
        quote = await session.scalar(select(Quote.id).where(Quote.case_id == quoted.id))
        survey = await session.scalar(select(Survey.id).where(Survey.case_id == closed.id))
        assert assignment and report and quote and survey
        return {
            "other_case": case.id,
            "other_number": case.number,
            "other_product": product.id,
            "other_job": job.id,
            "other_job_number": job.number,
            "other_assignment": assignment,
            "other_report": report,
            "other_quote": quote,
            "other_survey": survey,
            "other_complaint": complaint.id,
            "other_tech": tech.id,
        }


async def world_state(harness: Harness, world: dict[str, int | str]) -> dict[str, Any]:
    """What must not change of the other customer's rows (taken after the walk)."""
    async with harness.session() as session:
        other = await session.scalar(
            select(Case.customer_id).where(Case.id == int(world["other_case"]))
        )
        cases = await session.execute(
            select(
                Case.id, Case.status, Case.description, Case.address, Case.technician_id,
                Case.owner_id, Case.root_cause, Case.kind,
            ).where(Case.customer_id == other)
        )  # fmt: skip
        rows = {row.id: tuple(row) for row in cases}
        quotes = await session.execute(
            select(Quote.id, Quote.status).where(Quote.case_id.in_(rows))
        )
        reports = await session.execute(
            select(ServiceReport.id, ServiceReport.confirmation).where(
                ServiceReport.case_id.in_(rows)
            )
        )
        surveys = await session.execute(
            select(Survey.id, Survey.status).where(Survey.customer_id == other)
        )
        products = await session.execute(
            select(Product.id, Product.customer_id).where(Product.serial.like("SN-OTHER-%"))
        )
    assert any(row[7] == CaseKind.COMPLAINT for row in rows.values())
    return {
        "cases": rows,
        "quotes": sorted(quotes.all()),
        "reports": sorted(reports.all()),
        "surveys": sorted(surveys.all()),
        "products": sorted(products.all()),
    }


async def assert_whole(harness: Harness) -> None:
    """Jobs, quotes, reports, surveys and complaints are whole and clean; no half-done moves."""
    async with harness.session() as session:
        cases = list(await session.scalars(select(Case)))
        running = list(
            await session.scalars(select(Assignment).where(Assignment.ended_at.is_(None)))
        )
        quotes = list(await session.scalars(select(Quote)))
        reports = list(await session.scalars(select(ServiceReport)))
        surveys = list(await session.scalars(select(Survey)))
        answers = list(await session.scalars(select(SurveyAnswer)))
        notes = list(await session.scalars(select(CaseEvent.note)))
        counted = dict(
            (await session.execute(
                select(SurveyAnswer.survey_id, func.count()).group_by(SurveyAnswer.survey_id)
            )).all()
        )  # fmt: skip
    by_case = {case.id: case for case in cases}
    working = (CaseStatus.ASSIGNED, CaseStatus.ACCEPTED, CaseStatus.ON_SITE)
    for case in cases:
        assert case.description and len(case.description) <= 2000 and clean(case.description)
        assert clean(case.address)
        open_ones = [a for a in running if a.case_id == case.id]
        if case.status in working:
            assert [a.technician_id for a in open_ones] == [case.technician_id], case.number
        elif case.status == CaseStatus.NEW:
            assert open_ones == [], case.number
        pending = [q for q in quotes if q.case_id == case.id and q.status == "pending"]
        assert len(pending) == (case.status == CaseStatus.QUOTE_PENDING), case.number
        if case.kind == CaseKind.COMPLAINT and case.status == CaseStatus.CLOSED:
            assert case.root_cause in complaint_rules.ROOT_CAUSES, case.number
            action = case.corrective_action
            assert action and len(action) <= complaint_rules.ACTION_LIMIT and clean(action)
    for quote in quotes:
        parts = sum(int(p["qty"]) * int(p["unit_cents"]) for p in quote.parts)
        assert quote.total_cents == parts + quote.labour_cents + quote.travel_cents
        assert all(p["name"] and clean(str(p["name"])) for p in quote.parts), quote.parts
    for report in reports:
        assert report.work_done and len(report.work_done) <= 2000 and clean(report.work_done)
        assert report.root_cause in ROOT_CAUSES and clean(report.supplier_name)
        assert all(p["name"] and clean(str(p["name"])) for p in report.parts), report.parts
        assert clean(report.dispute_text)
        if report.confirmation == "pending":
            assert by_case[report.case_id].status == CaseStatus.RESOLVED
    for survey in surveys:
        complete = counted.get(survey.id, 0) == len(ORDER)
        assert (survey.status == "completed") == complete, (survey.id, survey.status)
    for answer in answers:
        assert clean(answer.value_text) and len(answer.value_text or "") <= COMMENT_LIMIT
    assert all(clean(note) for note in notes), [n for n in notes if not clean(n)]
