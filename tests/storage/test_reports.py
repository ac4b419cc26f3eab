"""The service-standard report against a hand-computed fixture month (October 2026, Shanghai).

Cases of the fixture (local times; A = technician Wang, B = technician Li):

  C1  fault hvac in-warranty, A: created 10-02, answered in time, on site in time, closed
      10-03, fixed first time; costs 100+50+20; survey overall 5, NPS 10.
  C2  fault boiler out-of-warranty, B: answered late, on site late, closed 10-08 after a second
      visit; two reports 200+40+10 and 0+30+10; survey overall 2, NPS 3 -> complaint C2c
      (opened 10-09, closed 24 h later).
  C3  fault hvac in-warranty, A: closed 10-11, reopened 10-20 by its survey (not solved) and
      answered again in time; survey overall 3, NPS 8.
  C4  cancelled on its first day: counted nowhere.
  C5  fault boiler in-warranty, B: created and due on site in September, arrived late on
      10-01 and closed that day (a closure of October); costs 0+60+20; survey unanswered;
      a repeat fault C8 (10-15) is linked to it, so it is no first-time fix.
  C6  created 10-30, answered 11-02 (late), closed in November.
  C7  created 10-31 20:00, unanswered, window open past the month: left out.
  C9  a general complaint opened 10-20, still open; C10 a complaint opened in September and
      closed 10-02 after 72 h.

Hand-computed October figures are asserted below; November and December cover the edges.
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from aftersales.commands import report as report_command
from aftersales.commands.report import print_table, write_csv
from core.i18n import Texts
from core.settings import Settings
from domain.metrics import Targets, month_range
from storage.db import create_session_factory
from storage.models import Case, Customer, ServiceReport, Staff, Survey, SurveyAnswer
from storage.repos.standards import service_report
from tests.factories import make_customer, make_staff
from tests.harness import Harness

TZ = ZoneInfo("Asia/Shanghai")
NUMBERS = count(1)


def L(month: int, day: int, hour: int = 9) -> datetime:
    """A local moment of 2026 in Shanghai."""
    return datetime(2026, month, day, hour, tzinfo=TZ)


async def _case(session: AsyncSession, customer: Customer, **fields: Any) -> Case:
    created: datetime = fields.pop("created_at")
    values: dict[str, Any] = {
        "number": f"SR-T-{next(NUMBERS):04d}",
        "kind": "fault",
        "status": "closed",
        "customer_id": customer.id,
        "warranty": "in_warranty",
        "description": "fixture",
        "created_at": created,
        "response_due_at": created + timedelta(hours=24),
        "visits": 1,
        "reopen_count": 0,
    }
    values.update(fields)
    case = Case(**values)
    session.add(case)
    await session.flush()
    return case


async def _report(
    session: AsyncSession, case: Case, tech: Staff, costs: tuple[int, int, int]
) -> None:
    parts, labour, travel = costs
    session.add(
        ServiceReport(
            case_id=case.id,
            technician_id=tech.id,
            filed_at=case.closed_at or case.created_at,
            work_done="fixture",
            parts_cents=parts,
            labour_cents=labour,
            travel_cents=travel,
            warranty=case.warranty,
            root_cause="wear",
            fixed=True,
        )
    )


async def _survey(session: AsyncSession, case: Case, answers: dict[str, int]) -> None:
    assert case.closed_at is not None
    survey = Survey(
        case_id=case.id,
        customer_id=case.customer_id,
        status="sent",
        created_at=case.closed_at,
        expires_at=case.closed_at + timedelta(days=7),
    )
    session.add(survey)
    await session.flush()
    for question, value in answers.items():
        session.add(
            SurveyAnswer(
                survey_id=survey.id,
                question=question,
                value_int=value,
                answered_at=case.closed_at + timedelta(hours=2),
            )
        )


async def _fixture(session: AsyncSession) -> None:
    now = L(9, 1)
    customer = await make_customer(session, telegram_id=9001, now=now)
    wang = await make_staff(session, telegram_id=9101, roles=["technician"], now=now, name="Wang")
    li = await make_staff(session, telegram_id=9102, roles=["technician"], now=now, name="Li")
    c1 = await _case(
        session,
        customer,
        created_at=L(10, 2),
        responded_at=L(10, 2, 12),
        onsite_due_at=L(10, 3, 18),
        arrived_at=L(10, 3, 10),
        resolved_at=L(10, 3, 15),
        closed_at=L(10, 3, 15),
        first_time_fix=True,
        technician_id=wang.id,
        category="hvac",
    )
    await _report(session, c1, wang, (10000, 5000, 2000))
    await _survey(session, c1, {"overall": 5, "solved": 1, "nps": 10})
    c2 = await _case(
        session,
        customer,
        created_at=L(10, 5),
        responded_at=L(10, 6, 10),
        onsite_due_at=L(10, 7, 18),
        arrived_at=L(10, 8, 9),
        resolved_at=L(10, 8, 17),
        closed_at=L(10, 8, 17),
        first_time_fix=False,
        visits=2,
        technician_id=li.id,
        category="boiler",
        warranty="out_of_warranty",
    )
    await _report(session, c2, li, (20000, 4000, 1000))
    await _report(session, c2, li, (0, 3000, 1000))
    await _survey(session, c2, {"overall": 2, "nps": 3})
    await _case(
        session,
        customer,
        kind="complaint",
        parent_id=c2.id,
        category="boiler",
        created_at=L(10, 9, 10),
        responded_at=L(10, 9, 11),
        closed_at=L(10, 10, 10),
        warranty="to_be_verified",
        visits=0,
    )
    c3 = await _case(
        session,
        customer,
        status="new",
        created_at=L(10, 10),
        responded_at=L(10, 20, 11),
        response_due_at=L(10, 21),
        onsite_due_at=L(10, 11, 18),
        arrived_at=L(10, 11, 9),
        resolved_at=L(10, 11, 12),
        closed_at=L(10, 11, 12),
        first_time_fix=False,
        reopen_count=1,
        technician_id=wang.id,
        category="hvac",
    )
    await _survey(session, c3, {"overall": 3, "solved": 0, "nps": 8})
    await _case(
        session,
        customer,
        status="cancelled",
        created_at=L(10, 12),
        onsite_due_at=L(10, 13),
        cancelled_at=L(10, 12, 10),
        technician_id=wang.id,
        category="hvac",
    )
    c5 = await _case(
        session,
        customer,
        created_at=L(9, 28),
        responded_at=L(9, 28, 10),
        onsite_due_at=L(9, 30, 18),
        arrived_at=L(10, 1, 9),
        resolved_at=L(10, 1, 12),
        closed_at=L(10, 1, 12),
        first_time_fix=True,
        technician_id=li.id,
        category="boiler",
    )
    await _report(session, c5, li, (0, 6000, 2000))
    await _survey(session, c5, {})
    await _case(
        session,
        customer,
        status="closed",
        created_at=L(10, 30),
        responded_at=L(11, 2),
        onsite_due_at=L(11, 3),
        arrived_at=L(11, 3, 8),
        resolved_at=L(11, 5),
        closed_at=L(11, 5),
        first_time_fix=True,
        technician_id=wang.id,
        category="hvac",
    )
    await _case(
        session,
        customer,
        status="new",
        created_at=L(10, 31, 20),
        onsite_due_at=L(11, 2),
        category="hvac",
    )
    await _case(
        session,
        customer,
        status="new",
        created_at=L(10, 15),
        responded_at=L(10, 15, 10),
        is_repeat=True,
        parent_id=c5.id,
        category="boiler",
    )
    await _case(
        session,
        customer,
        kind="complaint",
        status="new",
        created_at=L(10, 20),
        warranty="to_be_verified",
        visits=0,
    )
    await _case(
        session,
        customer,
        kind="complaint",
        created_at=L(9, 29),
        responded_at=L(9, 29, 10),
        closed_at=L(10, 2),
        warranty="to_be_verified",
        visits=0,
    )


async def _month(engine: AsyncEngine, month: str) -> Any:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        await _fixture(session)
    start, end = month_range(month, TZ)
    async with sessions() as session:
        return await service_report(session, start=start, end=end, settings_targets=Targets())


async def test_october_figures_match_the_hand_computed_ones(engine: AsyncEngine) -> None:
    report = await _month(engine, "2026-10")
    assert report.start == L(10, 1, 0) and report.end == L(11, 1, 0)
    values = {m.key: m.value for m in report.metrics}
    assert values == {
        "response_24h_pct": 60.0,  # C1, C3, C8 of C1, C2, C3, C6, C8
        "onsite_on_time_pct": 66.7,  # C1, C3 of C1, C2, C3
        "first_time_fix_pct": 25.0,  # C1 of C1, C2, C3, C5
        "repeat_repairs": 1.0,
        "survey_response_pct": 75.0,
        "avg_satisfaction": 3.33,
        "very_satisfied_pct": 33.3,
        "nps": 0.0,
        "complaint_rate_pct": 50.0,  # C2c, C9 / 4 closures
        "complaint_closure_hours": 48.0,  # 24 h and 72 h
        "cost_per_case": 13500.0,
        "cost_parts_per_case": 7500.0,
        "cost_labour_per_case": 4500.0,
        "cost_travel_per_case": 1500.0,
        "cost_per_case_in_warranty": 8333.33,
        "cost_per_case_out_of_warranty": 29000.0,
    }
    assert report.metric("response_24h_pct").target == 96.0
    assert report.metric("response_24h_pct").met is False
    assert report.metric("complaint_rate_pct").met is False
    assert report.metric("avg_satisfaction").met is None
    assert report.by_technician == [
        {
            "technician_id": report.by_technician[0]["technician_id"],
            "technician_name": "Li",
            "closed": 2,
            "first_time_fix_pct": 0.0,
            "onsite_on_time_pct": 0.0,
            "avg_satisfaction": 2.0,
            "complaints": 1,
            "cost_per_case": 18500.0,
        },
        {
            "technician_id": report.by_technician[1]["technician_id"],
            "technician_name": "Wang",
            "closed": 2,
            "first_time_fix_pct": 50.0,
            "onsite_on_time_pct": 100.0,
            "avg_satisfaction": 4.0,
            "complaints": 0,
            "cost_per_case": 8500.0,
        },
    ]
    assert report.by_category == [
        {
            "category": "boiler",
            "closed": 2,
            "first_time_fix_pct": 0.0,
            "repeat_repairs": 1,
            "avg_satisfaction": 2.0,
            "complaints": 1,
            "cost_per_case": 18500.0,
        },
        {
            "category": "hvac",
            "closed": 2,
            "first_time_fix_pct": 50.0,
            "repeat_repairs": 0,
            "avg_satisfaction": 4.0,
            "complaints": 0,
            "cost_per_case": 8500.0,
        },
    ]


async def test_november_gets_the_cases_spanning_the_month_end(engine: AsyncEngine) -> None:
    report = await _month(engine, "2026-11")
    values = {m.key: m.value for m in report.metrics}
    # C7 was created in October: November has no response population. C6 and C7 are due on
    # site in November (C6 in time, C7 never reached); C6 closes in November without a survey.
    assert values["response_24h_pct"] is None
    assert values["onsite_on_time_pct"] == 50.0
    assert values["first_time_fix_pct"] == 100.0
    assert values["survey_response_pct"] is None and values["nps"] is None
    assert values["complaint_rate_pct"] == 0.0
    assert values["cost_per_case"] == 0.0
    assert [row["technician_name"] for row in report.by_technician] == ["Wang"]


async def test_an_empty_month_has_no_figures_rather_than_zeros(engine: AsyncEngine) -> None:
    report = await _month(engine, "2026-12")
    for metric in report.metrics:
        expected = 0.0 if metric.key == "repeat_repairs" else None
        assert metric.value == expected, metric.key
        assert metric.met is None or metric.key == "repeat_repairs"
    assert report.by_technician == [] and report.by_category == []


async def test_any_date_range_and_the_cutoff(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        await _fixture(session)
    async with sessions() as session:
        # The first ten days of October only: C1, C2 and C5 close, C2c is the complaint.
        report = await service_report(
            session, start=L(10, 1, 0), end=L(10, 11, 0), settings_targets=Targets()
        )
        assert report.metric("first_time_fix_pct").value == 33.3
        assert report.metric("complaint_rate_pct").value == 33.3
        # Through mid-November, C7's unanswered window has run out: it counts as late...
        report = await service_report(
            session, start=L(10, 1, 0), end=L(11, 15, 0), settings_targets=Targets()
        )
        assert report.metric("response_24h_pct").value == 50.0
        # ...but seen on the morning of November 1 its window is still open: left out.
        report = await service_report(
            session,
            start=L(10, 1, 0),
            end=L(11, 15, 0),
            settings_targets=Targets(),
            as_of=L(11, 1, 12),
        )
        assert report.metric("response_24h_pct").value == 60.0


async def test_supervisors_get_last_months_report_on_the_first(harness: Harness) -> None:
    async with harness.session() as session, session.begin():
        await _fixture(session)
        await make_staff(
            session, telegram_id=9201, roles=["supervisor"], now=L(9, 1), language="zh_CN"
        )
        await make_staff(session, telegram_id=9202, roles=["supervisor"], now=L(9, 1))
    await harness.tick()  # plans the calendar rows: the next report is due on 1 December
    harness.clock.set(L(12, 1, 8) + timedelta(minutes=30))
    await harness.tick()
    chinese = harness.user(9201).texts()
    english = harness.user(9202).texts()
    report_zh = next(t for t in chinese if "服务标准报告 2026-11" in t)
    assert "❌ 按客户要求时间到场率：50.0 %（目标 ≥ 95.0 %）" in report_zh
    assert "• 24 小时内响应率：-（目标 ≥ 96.0 %）" in report_zh
    report_en = next(t for t in english if "Service-standard report 2026-11" in t)
    assert "✅ First-time fix: 100.0 % (target ≥ 90.0 %)" in report_en
    assert "✅ Complaint rate: 0.0 % (target < 1.0 %)" in report_en
    assert "• Wang: 1 closed, first-time fix 100.0 %, satisfaction -, 0 complaints" in report_en
    # Sent once per month.
    harness.advance(timedelta(hours=2))
    await harness.tick()
    assert sum("Service-standard report" in t for t in harness.user(9202).texts()) == 1


async def test_cli_table_and_csv(engine: AsyncEngine, tmp_path: Path) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        await _fixture(session)
    start, end = month_range("2026-10", TZ)
    async with sessions() as session:
        report = await service_report(session, start=start, end=end, settings_targets=Targets())
    texts = Texts(TZ)
    table = print_table(texts, "en", report, "2026-10")
    lines = table.splitlines()
    assert lines[0] == "📊 Service-standard report 2026-10"
    assert lines[1].split() == ["Figure", "Value", "Target", "Met"]
    assert any(line.startswith("Response within 24 h") and "60.0 %" in line for line in lines)
    assert "Cost per case, out of warranty" in table and "290.00" in table
    written = write_csv(tmp_path / "oct.csv", texts, "en", report)
    with (tmp_path / "oct.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = rows[0]
    assert (first["key"], first["value"], first["target"], first["met"]) == (
        "response_24h_pct",
        "60.0",
        "96.0",
        "no",
    )
    assert [p.name for p in written] == ["oct.csv", "oct.technicians.csv", "oct.categories.csv"]
    assert "Li" in written[1].read_text(encoding="utf-8")


def test_cli_refuses_a_malformed_month(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(_env_file=None)
    args = argparse.Namespace(report_kind="monthly", month="2026-13", csv=None)
    assert report_command.run(settings, args) == 2
    assert "Invalid period" in capsys.readouterr().err
    args = argparse.Namespace(report_kind="range", first="2026-10-05", last="2026-10-01", csv=None)
    assert report_command.run(settings, args) == 2
