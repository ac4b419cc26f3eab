"""CSV exports: UTF-8 with BOM, headers in the viewer's language, the range, formula safety."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import DISPATCHER, closed_job
from tests.factories import make_case, make_customer
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in


async def test_intake_register_for_a_range(harness: Harness, client: Client) -> None:
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        customer = await make_customer(session, telegram_id=8001, now=now, name="王伟")
        inside = await make_case(
            session, customer=customer, now=now, description="=cmd|' /C calc'!A0"
        )
        outside = await make_case(session, customer=customer, now=now - timedelta(days=40))
    await add_staff(harness, 8101, ["dispatcher"])
    await log_in(harness, client, 8101)
    response = await client.get("/exports/intake.csv?start=2026-11-01&end=2026-11-30")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "intake_2026-11-01_2026-11-30.csv" in response.headers["Content-Disposition"]
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Case number", "Registered", "Kind"]
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [inside.number] and outside.number not in numbers
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["Customer"] == "王伟"
    assert line["Registered"] == "2026-11-23 09:00"
    assert line["Description"].startswith("'=")  # never a formula in Excel
    assert line["Phone"] == "+8613800138000"


async def test_headers_follow_the_viewer_language(harness: Harness, client: Client) -> None:
    await add_staff(harness, 8102, ["supervisor"], language="zh_CN")
    await log_in(harness, client, 8102)
    for register, first in (
        ("intake", "工单号"),
        ("dispatch", "工单号"),
        ("costs", "工单号"),
        ("surveys", "工单号"),
        ("complaints", "工单号"),
    ):
        response = await client.get(f"/exports/{register}.csv")
        assert response.status == 200, register
        text = (await response.read()).decode("utf-8-sig")
        assert text.splitlines()[0].split(",")[0] == first


async def test_bad_ranges_are_explained(harness: Harness, client: Client) -> None:
    await add_staff(harness, 8103, ["admin"])
    await log_in(harness, client, 8103)
    wrong = await client.get("/exports/intake.csv?start=yesterday")
    assert wrong.status == 400 and "Please give dates like 2026-11-01." in await wrong.text()
    backwards = await client.get("/exports/intake.csv?start=2026-11-10&end=2026-11-01")
    assert "The end date is before the start date." in await backwards.text()
    unknown = await client.get("/exports/passwords.csv")
    assert unknown.status == 404


async def _job_done_through_the_chat(harness: Harness) -> None:
    """Report, assign, accept, check in, report filed, confirmed, survey answered, complaint."""
    customer = await closed_job(harness, parts=("Start relay, 2, 35.50",))
    harness.advance(timedelta(hours=1))
    await harness.tick()  # the survey is pushed an hour after closure
    for label in ("5 — Very satisfied", "Yes", "4 — Good", "Yes", "No", "10"):
        await press(harness, customer, label)
    assert "Thank you" in await say(harness, customer, "Quick and tidy.")
    await say(harness, customer, "/complaint")
    await press(harness, customer, "SR-20261123-0001")
    assert "registered as" in await say(harness, customer, "=The invoice was wrong")


async def _register(client: Client, name: str) -> list[dict[str, str]]:
    """One downloaded register as rows keyed by their header."""
    response = await client.get(f"/exports/{name}.csv?start=2026-11-01&end=2026-11-30")
    assert response.status == 200, name
    text = (await response.read()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


async def test_every_register_has_the_rows_of_a_job_done_in_chat(
    harness: Harness, client: Client
) -> None:
    await _job_done_through_the_chat(harness)
    await log_in(harness, client, DISPATCHER)
    [intake, complaint_case] = await _register(client, "intake")
    assert intake["Case number"] == "SR-20261123-0001"
    assert (intake["Kind"], intake["Status"], intake["Warranty"]) == (
        "fault repair", "Closed", "in warranty (free repair and parts)",
    )  # fmt: skip
    assert intake["Customer"] == "Wang Wei" and intake["Serial number"] == "SN-1001"
    assert intake["Registered"] == "2026-11-23 09:00" and intake["Closed"] == "2026-11-23 09:00"
    assert complaint_case["Kind"] == "complaint"
    [assignment] = await _register(client, "dispatch")
    assert assignment["Technician"] == "Tech An" and assignment["Assigned by"] == "Desk Zhou"
    assert assignment["Accepted"] == "2026-11-23 09:00"
    [cost] = await _register(client, "costs")
    assert (cost["Technician"], cost["Root cause"]) == ("Tech An", "Wear")
    assert (cost["Parts"], cost["Travel"], cost["Charged to customer"]) == (
        "¥71.00",
        "¥20.00",
        "¥0.00",
    )
    assert (cost["Labour hours"], cost["Fixed"]) == ("1.5", "Yes")
    answers = await _register(client, "surveys")
    assert [(a["Score"], a["Answer"]) for a in answers] == [
        ("5", ""), ("1", ""), ("4", ""), ("1", ""), ("0", ""), ("10", ""), ("", "Quick and tidy."),
    ]  # fmt: skip
    assert answers[0]["Question"] == "Overall, how satisfied are you with our service?"
    assert answers[-1]["Question"].startswith("Anything else you would like to tell us?")
    assert {a["Survey status"] for a in answers} == {"completed"}
    assert {a["Case number"] for a in answers} == {"SR-20261123-0001"}
    [complaint] = await _register(client, "complaints")
    assert (
        complaint["About case"] == "SR-20261123-0001"
        and complaint["Status"] == "New"  # the desk's word, not the customer's
    )
    assert complaint["Description"] == "'=The invoice was wrong"  # never a formula in Excel
    assert complaint["Customer"] == "Wang Wei"
