"""CSV exports: UTF-8 with BOM, headers in the viewer's language, the range, formula safety."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

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
