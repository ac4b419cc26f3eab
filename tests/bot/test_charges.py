"""Quote, report and charge reconcile; no charge before the warranty is verified (issue #22)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import func, select

from storage.models import Quote, ServiceReport
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    assign_to,
    check_in,
    customer_with_case,
    file_report,
    harness,
    only_case,
    past,
    send_quote,
    staff_team,
)
from tests.harness import Harness

__all__ = ["harness"]


async def test_unverified_warranty_records_parts_but_charges_nothing(harness: Harness) -> None:
    desk, tech, _ = await staff_team(harness)
    customer = await register(harness, CUSTOMER)
    # A serial the register does not know: the warranty is "to be verified".
    await say(harness, customer, "/report")
    assert "don't have ZX-77 on record" in await say(harness, customer, "ZX-77")
    await say(harness, customer, "Chiller C-2")
    await say(harness, customer, "2025-06-01")
    await say(harness, customer, "Leaking water")
    await press(harness, customer, "Continue")
    await say(harness, customer, "88 Century Ave, Pudong, Shanghai")
    await press(harness, customer, "Tomorrow by 18:00")
    answer = await press(harness, customer, "Confirm")
    assert "registered as" in answer and "to be verified" in answer
    assert (await only_case(harness)).warranty == "to_be_verified"
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await say(harness, tech, "/jobs")
    assert "Quote: 💰 needed" not in tech.texts()[-1]
    await check_in(harness, tech)
    filed = await file_report(harness, tech, parts=("Compressor, 1, 800.00",))
    assert "Charge pending warranty check" in filed
    report_text = customer.texts()[-1]
    assert "Your cost: ¥0.00" in report_text
    assert "Charge pending warranty check" in report_text
    async with harness.session() as session:
        report = await session.scalar(select(ServiceReport))
        quotes = await session.scalar(select(func.count()).select_from(Quote))
    assert report is not None and quotes == 0
    assert report.parts_cents == 80000 and report.customer_cost_cents == 0
    # The customer's PDF copy says why nothing is charged yet.
    await press(harness, customer, "Confirm")
    [copy] = [m for m in customer.inbox() if m.document_file_id]
    stored = harness.server.files.get(copy.document_file_id or "")
    assert stored is not None
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(stored.data)).pages)
    assert "Not charged yet (warranty to be verified)" in text and "¥0.00" in text


async def test_charge_is_the_approved_quote_and_the_customer_sees_the_difference(
    harness: Harness,
) -> None:
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await send_quote(harness, tech)
    await press(harness, customer, "Approve")
    await check_in(harness, tech)
    # On site a third relay is needed: 35.50 beyond the approved 191.00.
    await file_report(harness, tech, parts=("Relay, 3, 35.50",))
    report_text = customer.texts()[-1]
    assert "Your cost: ¥191.00" in report_text
    assert "beyond the approved quote (¥35.50) is not charged" in report_text
    async with harness.session() as session:
        report = await session.scalar(select(ServiceReport))
    assert report is not None and report.customer_cost_cents == 19100
