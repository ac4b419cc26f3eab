"""The customer signs the service report on the technician's phone and keeps a PDF copy."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.webapp_data import sign
from sandbox.botapi import BotApiServer
from sandbox.panes import transcript
from sandbox.users import SandboxUser
from storage.models import Case, ServiceReport
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    TECH_A,
    assign_to,
    check_in,
    customer_with_case,
    file_report,
    staff_team,
)
from tests.harness import TOKEN, Harness
from tests.web.conftest import Client, log_in

# A 1×1 PNG: what a signature pad's canvas exports, only smaller.
SIGNATURE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DATA_URL = "data:image/png;base64," + base64.b64encode(SIGNATURE).decode()


@pytest.fixture
async def harness(botapi: BotApiServer, engine, clock):
    """The bot with a loopback public URL, so the technician gets the signature button."""
    running = Harness(botapi, engine, clock, admin_ids=[9000], public_url="http://127.0.0.1:8080")
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def _filed(harness: Harness) -> tuple[SandboxUser, SandboxUser, int]:
    """A case worked up to its filed report; returns the customer, technician and report id."""
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await check_in(harness, tech)
    await file_report(harness, tech, parts=("Start relay, 2, 35.50",))
    [url] = [b.web_app for row in tech.last().buttons() for b in row if b.web_app]
    assert url is not None and "/sign/" in url
    assert "sign the report for SR-20261123-0001 on your phone" in (tech.last().text or "")
    # Said once: the filed notice before it, the hand-over after, not "filed" twice.
    assert sum("filed" in text for text in tech.texts()[-2:]) == 1
    found = re.search(r"/sign/(\d+)$", url)
    assert found is not None
    return customer, tech, int(found.group(1))


def _launch(harness: Harness, user_id: int, *, age: timedelta = timedelta(minutes=1)) -> str:
    """Launch data as Telegram signs it for the user who opened the Mini App."""
    return sign({"id": user_id, "first_name": "X"}, TOKEN, signed_at=harness.clock.now() - age)


def _pdf_text(data: bytes) -> str:
    """The text of every page of a PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def test_signed_on_site_the_customer_gets_the_pdf(harness: Harness, client: Client) -> None:
    customer, _, report_id = await _filed(harness)
    page = await client.get(f"/sign/{report_id}")
    assert page.status == 200 and "sign.js" in await page.text()

    forged = sign({"id": TECH_A}, "123:someone-else", signed_at=harness.clock.now())
    for init_data in (forged, _launch(harness, TECH_A, age=timedelta(hours=25)), "junk"):
        refused = await client.post(f"/sign/{report_id}/sheet", json={"init_data": init_data})
        assert refused.status == 403
        refused = await client.post(
            f"/sign/{report_id}", json={"init_data": init_data, "signature": DATA_URL}
        )
        assert refused.status == 403
    stranger = await client.post(
        f"/sign/{report_id}", json={"init_data": _launch(harness, 4242), "signature": DATA_URL}
    )
    assert stranger.status == 403

    sheet = await client.post(
        f"/sign/{report_id}/sheet", json={"init_data": _launch(harness, TECH_A)}
    )
    body = await sheet.json()
    assert sheet.status == 200 and body["pending"] is True
    assert "SR-20261123-0001" in body["html"] and "Start relay" in body["html"]
    empty = await client.post(
        f"/sign/{report_id}", json={"init_data": _launch(harness, TECH_A), "signature": ""}
    )
    assert empty.status == 422 and "sign in the box" in (await empty.json())["message"]

    signed = await client.post(
        f"/sign/{report_id}", json={"init_data": _launch(harness, TECH_A), "signature": DATA_URL}
    )
    assert signed.status == 200, await signed.text()
    await harness.settle()
    again = await client.post(
        f"/sign/{report_id}", json={"init_data": _launch(harness, TECH_A), "signature": DATA_URL}
    )
    assert again.status == 409

    async with harness.session() as session:
        report = await session.get(ServiceReport, report_id)
        case = await session.scalar(select(Case))
    assert report is not None and report.confirmation == "signed"
    assert report.signature_png == SIGNATURE
    assert case is not None and case.status == "closed"

    [copy] = [m for m in customer.inbox() if m.document_file_id]
    assert "copy of the service report" in (copy.text or "")
    stored = harness.server.files.get(copy.document_file_id or "")
    assert stored is not None and stored.file_name == "SR-20261123-0001-report.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "service-report-signed-en.pdf").write_bytes(stored.data)
    text = _pdf_text(stored.data)
    assert "SR-20261123-0001" in text and "Start relay" in text
    assert "¥71.00" in text  # two relays at 35.50
    assert "Total charged" in text and "¥0.00" in text  # in warranty: nothing to pay
    assert "Signed by the customer on site" in text


async def test_confirmed_in_chat_and_downloaded_in_chinese(
    harness: Harness, client: Client
) -> None:
    customer, _, _ = await _filed(harness)
    await press(harness, customer, "Confirm")
    [copy] = [m for m in customer.inbox() if m.document_file_id]
    stored = harness.server.files.get(copy.document_file_id or "")
    assert stored is not None
    assert "Confirmed by the customer in chat" in _pdf_text(stored.data)

    await log_in(harness, client, 9000)
    client.session.cookie_jar.update_cookies({"aftersales_lang": "zh_CN"})
    case_id = await _only_case_id(harness)
    download = await client.get(f"/cases/{case_id}/report.pdf")
    assert download.status == 200 and download.content_type == "application/pdf"
    data = await download.read()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "service-report-zh_CN.pdf").write_bytes(data)  # to look at with pdftoppm
    text = _pdf_text(data)
    assert "售后服务报告单 SR-20261123-0001" in text
    assert "Start relay" in text and "合计收费" in text and "¥0.00" in text
    assert "在聊天中确认" in text


async def _only_case_id(harness: Harness) -> int:
    async with harness.session() as session:
        case = await session.scalar(select(Case))
    assert case is not None
    return int(case.id)


__all__ = ["CUSTOMER"]


async def test_the_sandbox_opens_the_mini_app_and_shows_the_pdf(
    harness: Harness, client: Client
) -> None:
    customer, tech, report_id = await _filed(harness)
    [button] = [
        b
        for message in transcript(harness.server, tech)
        for row in message["buttons"]
        for b in row
        if b["web_app"]
    ]
    url = button["web_app"]
    assert f"/sign/{report_id}#tgWebAppData=" in url
    launch = unquote(url.split("#tgWebAppData=", 1)[1])
    sheet = await client.post(f"/sign/{report_id}/sheet", json={"init_data": launch})
    assert sheet.status == 200  # signed by the sandbox as Telegram would, for the technician
    signed = await client.post(
        f"/sign/{report_id}", json={"init_data": launch, "signature": DATA_URL}
    )
    assert signed.status == 200
    await harness.settle()
    [copy] = [m for m in transcript(harness.server, customer) if m.get("document")]
    assert copy["document_name"] == "SR-20261123-0001-report.pdf"


async def test_the_sheet_on_the_phone_says_why_costs_are_not_charged_as_the_pdf_does(
    harness: Harness, client: Client
) -> None:
    """A product whose warranty is still to be verified: nothing is charged yet, and the sheet
    the customer signs says so (not "warranty", which would promise it is free)."""
    desk, tech, _ = await staff_team(harness)
    customer = await register(harness, CUSTOMER)
    await say(harness, customer, "/report")
    await say(harness, customer, "ZX-77")  # not in the catalog: model and purchase date asked
    await say(harness, customer, "Chiller C-2")
    await say(harness, customer, "2025-06-01")
    await say(harness, customer, "Leaking water")
    await press(harness, customer, "Continue")
    await say(harness, customer, "Room 5, 1 Main St")
    await press(harness, customer, "Tomorrow by 18:00")
    assert "to be verified" in await press(harness, customer, "Confirm")
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await check_in(harness, tech)
    await file_report(harness, tech, parts=("Start relay, 2, 35.50",))
    async with harness.session() as session:
        case = await session.scalar(select(Case))
        report = await session.scalar(select(ServiceReport))
    assert case is not None and case.warranty == "to_be_verified"
    assert report is not None
    report_id = report.id
    sheet = await client.post(
        f"/sign/{report_id}/sheet", json={"init_data": _launch(harness, TECH_A)}
    )
    html = (await sheet.json())["html"]
    assert "Not charged yet (warranty to be verified)" in html
    assert "Not charged (warranty)" not in html
