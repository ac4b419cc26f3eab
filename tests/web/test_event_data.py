"""The case timeline is worded from what events record as data, not from English notes: a
Chinese page reads the facts in Chinese, and text a person typed is never taken for a code."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.i18n import Texts, catalog
from core.settings import Settings
from storage.models import CaseEvent
from tests.bot.dispatch_steps import (
    CUSTOMER,
    DISPATCHER,
    accepted_job,
    check_in,
    file_report,
    only_case,
)
from tests.cli_support import cli, stamp_head
from tests.harness import Harness
from tests.web.case_action_steps import act, timeline
from tests.web.conftest import Client, add_staff, log_in
from web.views import case_timeline


async def test_assignment_and_check_in_are_data_read_in_chinese(
    harness: Harness, client: Client
) -> None:
    _, tech = await accepted_job(harness)
    await check_in(harness, tech, lat=31.2304, lon=121.4737)
    case = await only_case(harness)
    async with harness.session() as session:
        rows = await session.execute(
            select(CaseEvent.action, CaseEvent.note, CaseEvent.data)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.id)
        )
        events = {action: (note, data) for action, note, data in rows}
    # The facts are stored as data; no English sentence stands in for them.
    note, data = events["check_in"]
    assert note is None and data is not None
    assert (data["latitude"], data["longitude"]) == (31.2304, 121.4737)
    assert events["assign"][1] == {"technician": "Tech An", "technician_id": case.technician_id}
    assert events["create"] == (None, {})

    await add_staff(harness, 5002, ["supervisor"], name="主管 王")
    await log_in(harness, client, 5002)
    await client.get("/lang/zh_CN?next=/")
    line = timeline(await (await client.get(f"/cases/{case.id}")).text())
    assert "派给 Tech An" in line
    assert "位置 31.230400, 121.473700" in line
    for english in ("at 31.23", "to Tech An", "m from the site"):
        assert english not in line, english


async def test_a_typed_closing_note_that_looks_like_a_code_is_shown_as_typed(
    harness: Harness, client: Client
) -> None:
    _, tech = await accepted_job(harness)
    await check_in(harness, tech)
    assert "filed" in await file_report(harness, tech)
    case = await only_case(harness)
    csrf = await log_in(harness, client, DISPATCHER)
    await client.get("/lang/zh_CN?next=/")
    await act(harness, client, case.id, "close", csrf=csrf, note="satisfied")
    line = timeline(await (await client.get(f"/cases/{case.id}")).text())
    # What the desk typed is theirs, not the survey's "满意"; the report reads in Chinese.
    assert "Desk Zhou satisfied" in line and "满意" not in line
    assert "报告 #1，根本原因：" in line


@pytest.fixture
async def cli_settings(engine: AsyncEngine, db_url_and_schema: tuple[str, str | None]) -> Settings:
    """Settings a CLI command on the (migrated) test database would load."""
    await stamp_head(engine)
    url, schema = db_url_and_schema
    return Settings(_env_file=None, database_url=url, database_schema=schema)


async def test_forgetting_the_customer_erases_where_the_technician_checked_in(
    harness: Harness, cli_settings: Settings
) -> None:
    _, tech = await accepted_job(harness)
    await check_in(harness, tech, lat=31.2304, lon=121.4737)
    assert await cli(cli_settings, "customer", "forget", str(CUSTOMER), "--yes") == 0
    async with harness.session() as session:
        rows = await session.execute(select(CaseEvent.action, CaseEvent.note, CaseEvent.data))
        events = {action: (note, data) for action, note, data in rows}
    # The site's place is the person's; who had the job and when stays for the statistics.
    assert events["check_in"] == (None, {})
    assert events["assign"][1] is not None and events["assign"][1]["technician"] == "Tech An"


async def test_rows_written_before_event_data_still_read_from_their_note(
    harness: Harness,
) -> None:
    texts = Texts(ZoneInfo("Asia/Shanghai"))
    moment = datetime(2026, 11, 23, 9, tzinfo=UTC)
    old = [  # as the services wrote them before events carried data (data NULL)
        ("assign", "to Tech An (#3): nearest"),
        ("check_in", "at 31.230400,121.473700; 120 m from the site"),
        ("close", "confirmed by the customer"),
        ("reopen", "disputed: Still leaking"),
        ("note", "Gate code 42"),
    ]
    events = [
        CaseEvent(case_id=1, at=moment, actor="system", action=action, note=note, data=None)
        for action, note in old
    ]
    async with harness.session() as session:
        lines = await case_timeline.entries(
            session, events, t=lambda key, **args: texts.get("zh_CN", key, **args),
            has=lambda key: key in catalog("zh_CN"), when=texts.when,
        )  # fmt: skip
    assert [line.detail for line in lines] == [
        "派给 Tech An，原因：nearest",
        "位置 31.230400, 121.473700，距现场 120 米",
        "客户已确认",
        "客户有异议：Still leaking",
        "Gate code 42",
    ]
