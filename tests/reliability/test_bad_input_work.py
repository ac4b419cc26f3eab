"""The bad-input corpus through the staff, job, survey and complaint steps of the real bot.

The desk (dispatchers), technicians in each of their job dialogs (decline, check-in, note,
quote, service report), supervisors closing complaints, and customers answering a report, a
quote, a survey or filing a complaint. Each step's people are real rows (staff with roles,
their own jobs, surveys and complaints) brought to the step by the commands and callback data a
real user sends; then the step's share of the corpus is sent (tests/reliability/corpus_run.py)
with the same expectations as the customer steps, and what is stored must be whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.complaints import Source
from domain.lifecycle import CaseKind
from domain.policy import ServicePolicy
from services import complaints
from storage.models import Assignment, CaseEvent, Quote, ServiceReport, Staff, Survey
from tests.factories import (
    make_case,
    make_customer,
    make_job,
    make_product,
    make_staff,
)
from tests.harness import Harness
from tests.reliability.corpus_run import (
    Person,
    Script,
    make_people,
    no_errors,
    send_share,
    walk,
)
from tests.reliability.corpus_world import assert_whole, make_world, world_state

# Who is at the step, and what they own there (see _setup).
TECH, DESK, SUPERVISOR, CUSTOMER = "technician", "dispatcher", "supervisor", "customer"


@dataclass(frozen=True)
class Step:
    """A dialog step: whose it is, what they own, and what they do to get there."""

    name: str
    role: str
    owns: str
    script: Script = field(default_factory=list)


_QUOTE: Script = [("data", "tj:q:{own_case}")]
_REPORT: Script = [
    ("data", "tj:rep:{own_case}"),
    ("text", "Replaced the start relay and tested."),
    ("data", "sr:pd"),
    ("text", "1.5"),
    ("text", "20"),
]
_SURVEY: Script = [
    ("data", "sv:{own_survey}:ov:5"),
    ("data", "sv:{own_survey}:ar:1"),
    ("data", "sv:{own_survey}:at:5"),
    ("data", "sv:{own_survey}:so:1"),
    ("data", "sv:{own_survey}:mo:0"),
    ("data", "sv:{own_survey}:np:10"),
]
_CLOSE: Script = [("data", "cpo:{own_complaint}"), ("data", "cpc:{own_complaint}")]
STEPS = (
    Step("desk-queue", DESK, "new case", [("text", "/queue")]),
    Step(
        "desk-choose-technician", DESK, "new case", [("text", "/queue"), ("data", "as:{own_case}")]
    ),
    Step(
        "desk-reassign", DESK, "assigned case", [("text", "/reassign {own_number} customer asked")]
    ),
    Step("tech-jobs", TECH, "accepted", [("text", "/jobs")]),
    Step("tech-decline-reason", TECH, "assigned", [("data", "tk:d:{own_assignment}")]),
    Step("tech-check-in", TECH, "accepted", [("data", "tj:in:{own_case}")]),
    Step("tech-note", TECH, "accepted", [("data", "tj:note:{own_case}")]),
    Step("quote-parts", TECH, "accepted out of warranty", _QUOTE),
    Step("quote-labour", TECH, "accepted out of warranty", [*_QUOTE, ("data", "qd:done")]),
    Step(
        "quote-travel",
        TECH,
        "accepted out of warranty",
        [*_QUOTE, ("text", "Relay, 2, 35.50"), ("data", "qd:done"), ("text", "100")],
    ),
    Step(
        "quote-confirm",
        TECH,
        "accepted out of warranty",
        [*_QUOTE, ("data", "qd:done"), ("text", "100"), ("text", "20")],
    ),
    Step("report-work", TECH, "on site", _REPORT[:1]),
    Step("report-parts", TECH, "on site", _REPORT[:2]),
    Step("report-hours", TECH, "on site", _REPORT[:3]),
    Step("report-travel", TECH, "on site", _REPORT[:4]),
    Step("report-cause", TECH, "on site", _REPORT),
    Step("report-supplier", TECH, "on site", [*_REPORT, ("data", "sr:c:supplier")]),
    Step("report-major", TECH, "on site", [*_REPORT, ("data", "sr:c:wear")]),
    Step("report-fixed", TECH, "on site", [*_REPORT, ("data", "sr:c:wear"), ("data", "sr:m:0")]),
    Step(
        "report-followup",
        TECH,
        "on site",
        [*_REPORT, ("data", "sr:c:wear"), ("data", "sr:m:0"), ("data", "sr:f:0")],
    ),
    Step(
        "report-checklist",
        TECH,
        "installation on site",
        [*_REPORT, ("data", "sr:c:wear"), ("data", "sr:m:0"), ("data", "sr:f:1")],
    ),
    Step(
        "report-confirm",
        TECH,
        "on site",
        [*_REPORT, ("data", "sr:c:wear"), ("data", "sr:m:0"), ("data", "sr:f:1")],
    ),
    Step("dispute-text", CUSTOMER, "resolved job", [("data", "cf:no:{own_report}")]),
    Step("quote-decision", CUSTOMER, "quoted job"),
    Step("survey-question", CUSTOMER, "survey"),
    Step("survey-comment", CUSTOMER, "survey", _SURVEY),
    Step("complaint-about", CUSTOMER, "case", [("text", "/complaint")]),
    Step(
        "complaint-describe",
        CUSTOMER,
        "case",
        [("text", "/complaint"), ("data", "cpl:c:{own_case}")],
    ),
    Step("supervisor-complaints", SUPERVISOR, "complaint", [("text", "/complaints")]),
    Step("complaint-close-cause", SUPERVISOR, "complaint", _CLOSE),
    Step("complaint-close-action", SUPERVISOR, "complaint", [*_CLOSE, ("data", "cpr:lateness")]),
)


async def _setup(
    session: AsyncSession, step: Step, uid: int, chinese: bool, now: datetime
) -> dict[str, int | str]:
    """The person's rows for the step (staff with their role, their job, survey, complaint)."""
    language = "zh_CN" if chinese else "en"
    # Whoever else the person's rows need: the customer of a staff member's job, the
    # technician of a customer's job, the dispatcher who assigned it.
    their_customer, their_technician = uid + 500_000, uid + 600_000
    tech: Staff | None = None
    desk: Staff | None = None
    if step.role == CUSTOMER:
        customer = await make_customer(session, telegram_id=uid, now=now, language=language)
    else:
        staff = await make_staff(
            session, telegram_id=uid, roles=[step.role], now=now, language=language,
            name=f"Staff {uid}",
        )  # fmt: skip
        tech = staff if step.role == TECH else None
        desk = staff if step.role == DESK else None
        customer = await make_customer(session, telegram_id=their_customer, now=now)
    if step.owns == "complaint":
        complaint = await complaints.open_complaint(
            session, customer=customer, parent=None, description="The technician was late.",
            source=Source.CUSTOMER, now=now, policy=ServicePolicy(),
        )  # fmt: skip
        return {"own_complaint": complaint.id}
    if step.owns in ("new case", "case"):
        case = await make_case(session, customer=customer, now=now)
        return {"own_case": case.id, "own_number": case.number}
    if tech is None:
        tech = await make_staff(
            session, telegram_id=their_technician, roles=[TECH], now=now, name=f"Tech {uid}"
        )
    if desk is None:
        desk = await make_staff(
            session, telegram_id=uid + 700_000, roles=[DESK], now=now, name=f"Desk {uid}"
        )
    if step.owns == "survey":
        # Closed an hour ago: the survey is due now and pushed before the step.
        case = await make_job(
            session, customer=customer, technician=tech, dispatcher=desk,
            now=now - timedelta(hours=1), stage="closed",
        )  # fmt: skip
        survey = await session.scalar(select(Survey.id).where(Survey.case_id == case.id))
        assert survey is not None
        return {"own_case": case.id, "own_number": case.number, "own_survey": survey}
    stage = {
        "assigned": "assigned",
        "assigned case": "assigned",
        "accepted": "accepted",
        "accepted out of warranty": "accepted",
        "on site": "on_site",
        "installation on site": "on_site",
        "resolved job": "resolved",
        "quoted job": "quote_pending",
    }[step.owns]
    product = None
    if step.owns in ("accepted out of warranty", "quoted job"):
        product = await make_product(
            session, serial=f"SN-OUT-{uid}", now=now, customer=customer,
            warranty_end=now.date() - timedelta(days=10),
        )  # fmt: skip
    kind = CaseKind.INSTALLATION if step.owns == "installation on site" else CaseKind.FAULT
    case = await make_job(
        session, customer=customer, technician=tech, dispatcher=desk, now=now, stage=stage,
        product=product, kind=kind,
    )  # fmt: skip
    ids: dict[str, int | str] = {"own_case": case.id, "own_number": case.number}
    assignment = await session.scalar(select(Assignment.id).where(Assignment.case_id == case.id))
    report = await session.scalar(select(ServiceReport.id).where(ServiceReport.case_id == case.id))
    quote = await session.scalar(select(Quote.id).where(Quote.case_id == case.id))
    for key, value in (
        ("own_assignment", assignment),
        ("own_report", report),
        ("own_quote", quote),
    ):
        if value is not None:
            ids[key] = value
    return ids


async def _people(harness: Harness, step: Step, base: int) -> list[Person]:
    """The step's people (English and Chinese in turn) with their rows."""

    async def setup(
        session: AsyncSession, uid: int, chinese: bool, now: datetime
    ) -> dict[str, int | str]:
        return await _setup(session, step, uid, chinese, now)

    made = await make_people(harness, base, setup)
    if step.owns == "survey":
        await harness.tick()  # the surveys, due now, are pushed
    await harness.settle()  # notices of the set-up (dispatch, quotes) delivered
    return made


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
async def test_every_bad_input_at_every_work_step(
    harness: Harness, step: Step, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    index = STEPS.index(step)
    world = await make_world(harness)
    people = await _people(harness, step, 80_000 + index * 100)
    await walk(harness, people, step.script, world)
    before = await world_state(harness, world)
    # Offset from the customer steps' indices, so the shares rotate on.
    await send_share(harness, step.name, index + 1, people, world, caplog)
    await assert_whole(harness)
    assert await world_state(harness, world) == before


def _step(name: str) -> Step:
    """A step of STEPS by name."""
    return next(step for step in STEPS if step.name == name)


async def test_job_dialogs_opened_over_one_another_keep_their_own_drafts(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A note opened (and dropped, or saved) in the middle of a quote or a report leaves it whole.

    Found by the corpus: the job dialogs shared one draft, so the note's start emptied the
    quote's or report's, and sending that crashed; part names kept invisible characters; and
    a forged quote button started a quote on a job under warranty.
    """
    caplog.set_level(logging.WARNING)
    world = await make_world(harness)
    quoting = await _people(harness, _step("quote-parts"), 89_000)
    reporting = await _people(harness, _step("report-confirm"), 89_100)
    await walk(
        harness,
        quoting,
        [
            *_QUOTE,
            ("text", "\u202eRelay\u200b\u0000, 2, 35.50"),  # the name is stored clean
            ("text", "\u200b\u200d, 1, 10"),  # no name left: refused
            ("data", "qd:done"),
            ("text", "100"),
            ("text", "20"),
        ],
        world,
    )
    await walk(harness, reporting, _step("report-confirm").script, world)
    # In warranty: the job card offers no quote, and a forged or stale button starts none.
    await walk(harness, reporting, [("data", "tj:q:{own_case}")], world)
    await walk(harness, quoting, [("data", "tj:note:{own_case}"), ("text", "/cancel")], world)
    await walk(
        harness, reporting, [("data", "tj:note:{own_case}"), ("text", "Customer away.")], world
    )
    await walk(harness, quoting, [("data", "qd:send")], world)
    await walk(harness, reporting, [("data", "sr:send")], world)
    no_errors(caplog, "crossed dialogs")
    async with harness.session() as session:
        quotes = {q.case_id: q for q in await session.scalars(select(Quote))}
        reports = {r.case_id: r for r in await session.scalars(select(ServiceReport))}
        notes = list(
            await session.scalars(select(CaseEvent.note).where(CaseEvent.action == "note"))
        )
    for person in quoting:
        quote = quotes[int(person.ids["own_case"])]
        assert quote.parts == [{"name": "Relay", "qty": 2, "unit_cents": 3550}]
        assert quote.total_cents == 7100 + 10000 + 2000
        sent = "的报价已发送给客户" if person.chinese else "was sent to the customer"
        assert sent in person.user.texts()[-1]
        refused = "请按格式发送配件" if person.chinese else "Please send a part as"
        assert sum(refused in text for text in person.user.texts()) == 1
    for person in reporting:
        assert int(person.ids["own_case"]) not in quotes
        asked = "报价。请逐条发送配件" if person.chinese else "Quote for"
        assert not any(asked in text for text in person.user.texts())
        report = reports[int(person.ids["own_case"])]
        assert report.work_done == "Replaced the start relay and tested."
        # Unknown serials leave the warranty to be verified: the answer also says no charge yet.
        filed = "已请客户确认" if person.chinese else "The customer is asked to confirm"
        assert filed in person.user.texts()[-1]
    assert notes.count("Customer away.") == len(reporting)
    await assert_whole(harness)
