"""The desk closes, reopens and cancels cases and verifies warranties from the case page; the
people concerned learn of it in chat (issue #18 §3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sandbox.users import SandboxUser
from storage.models import Product, Quote, Reminder
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    DISPATCHER,
    TECH_A,
    accepted_job,
    assign_to,
    check_in,
    closed_job,
    file_report,
    only_case,
    send_quote,
    staff_team,
)
from tests.harness import Harness
from tests.web.case_action_steps import act, case_row, timeline
from tests.web.conftest import Client, add_staff, log_in


async def test_cancel_tells_customer_and_technician_and_stops_every_reminder(
    harness: Harness, client: Client
) -> None:
    customer, tech = await accepted_job(harness)
    case = await only_case(harness)
    await log_in(harness, client, TECH_A)  # the technician sees the job's page, not the actions
    seen = await client.get(f"/cases/{case.id}")
    assert seen.status == 200 and 'id="actions"' not in await seen.text()
    csrf = await log_in(harness, client, DISPATCHER)
    assert 'id="actions"' in await (await client.get(f"/cases/{case.id}")).text()

    _, notice = await act(
        harness, client, case.id, "cancel", csrf=csrf, reason="Customer replaced the unit"
    )
    assert notice == "The case is cancelled; the customer and the technician have been told."
    assert customer.texts()[-1] == (
        f"Your case {case.number} was cancelled by the service desk.\n"
        "Reason: Customer replaced the unit"
    )
    assert tech.texts()[-1].startswith(f"❌ Case {case.number} was cancelled by the service desk")
    stored = await case_row(harness, case.id)
    assert stored.status == "cancelled" and stored.cancelled_at == harness.clock.now()
    async with harness.session() as session:
        pending = list(
            await session.scalars(
                select(Reminder).where(
                    Reminder.case_id == case.id,
                    Reminder.sent_at.is_(None),
                    Reminder.cancelled_at.is_(None),
                )
            )
        )
    assert pending == []
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert "Cancelled → Cancelled · Desk Zhou Customer replaced the unit" in timeline(page)
    assert 'id="form-cancel"' not in page and 'id="form-deadline"' not in page

    # Past the old deadline: no ping to the technician, no apology to the customer.
    seen_tech, seen_customer = len(tech.texts()), len(customer.texts())
    harness.advance(timedelta(days=2))
    await harness.tick()
    assert tech.texts()[seen_tech:] == [] and customer.texts()[seen_customer:] == []
    # The customer's own view of the case says it is cancelled.
    await say(harness, customer, "/cases")
    assert "cancelled" in await press(harness, customer, case.number)


async def test_close_a_resolved_case_then_reopen_it_for_a_new_round(
    harness: Harness, client: Client
) -> None:
    customer, tech = await accepted_job(harness)
    await check_in(harness, tech)
    assert "filed" in await file_report(harness, tech)
    case = await only_case(harness)
    await add_staff(harness, 5002, ["supervisor"], name="Sup Wu")
    csrf = await log_in(harness, client, DISPATCHER)

    _, notice = await act(harness, client, case.id, "close", csrf=csrf, note="Confirmed by phone")
    assert notice.startswith("The case is closed")
    assert customer.texts()[-1] == (
        f"Your case {case.number} was closed by the service desk. Thank you!"
    )
    stored = await case_row(harness, case.id)
    assert (stored.status, stored.close_reason) == ("closed", "desk")

    # A supervisor reopens it: back in the queue, a new response clock, the desk told in chat.
    desk = harness.user(DISPATCHER)
    csrf = await log_in(harness, client, 5002)
    _, notice = await act(harness, client, case.id, "reopen", csrf=csrf, reason="")
    assert notice == "Please give a reason. Nothing was changed."
    assert (await case_row(harness, case.id)).status == "closed"
    _, notice = await act(
        harness, client, case.id, "reopen", csrf=csrf, reason="Noise came back on Friday"
    )
    assert notice.startswith("The case is reopened")
    assert customer.texts()[-1] == (
        f"Your case {case.number} was reopened by the service desk and will be handled again.\n"
        "Reason: Noise came back on Friday"
    )
    assert desk.texts()[-1].startswith("🆕 New")
    assert case.number in desk.texts()[-1]
    stored = await case_row(harness, case.id)
    assert (stored.status, stored.reopen_count, stored.technician_id) == ("new", 1, None)
    assert stored.response_due_at == harness.clock.now() + timedelta(hours=24)
    assert stored.first_time_fix is False
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert "<dt>Labour</dt><dd>1.5 h</dd>" in page  # the hours typed, not only their cost
    line = timeline(page)
    assert "Closed → Closed · Desk Zhou Confirmed by phone" in line
    assert "Reopened → New · Sup Wu Noise came back on Friday" in line
    # The survey planned for the closed round is not sent about a repair being done again.
    harness.advance(timedelta(hours=3))
    await harness.tick()
    await harness.tick()
    assert not [t for t in customer.texts() if "how satisfied" in t]
    # The desk can assign it again from the chat notice.
    await assign_to(harness, desk, "Tech An")
    assert (await case_row(harness, case.id)).status == "assigned"


async def unverified_case(harness: Harness) -> tuple[SandboxUser, SandboxUser]:
    """A customer reports a fault on a serial the register does not know (warranty unverified),
    the desk assigns it to Tech An, who accepts."""
    desk, tech, _ = await staff_team(harness)
    customer = await register(harness, CUSTOMER)
    await say(harness, customer, "/report")
    assert "don't have ZX-77 on record" in await say(harness, customer, "ZX-77")
    await say(harness, customer, "Chiller C-2")
    await say(harness, customer, "2025-06-01")
    await say(harness, customer, "Leaking water")
    await press(harness, customer, "Continue")
    await say(harness, customer, "88 Century Ave, Pudong, Shanghai")
    await press(harness, customer, "Tomorrow by 18:00")
    assert "to be verified" in await press(harness, customer, "Confirm")
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    return customer, tech


async def test_verified_out_of_warranty_means_a_quote_before_work(
    harness: Harness, client: Client
) -> None:
    _, tech = await unverified_case(harness)
    case = await only_case(harness)
    csrf = await log_in(harness, client, DISPATCHER)
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert 'id="form-warranty"' in page
    assert "out of warranty (the customer approves a quote before work)" in page  # staff words

    # The date says "in warranty" on the day of the report: refused, nothing saved.
    _, notice = await act(
        harness, client, case.id, "warranty", csrf=csrf, result="out_of_warranty",
        warranty_end="2027-05-31",
    )  # fmt: skip
    assert "does not match" in notice
    assert (await case_row(harness, case.id)).warranty == "to_be_verified"

    _, notice = await act(
        harness, client, case.id, "warranty", csrf=csrf, result="out_of_warranty",
        warranty_end="2026-05-31",
    )  # fmt: skip
    assert notice == "The warranty is recorded."
    assert tech.texts()[-1].startswith(
        f"🛡 Warranty of {case.number} verified: out of warranty (the customer approves a "
        "quote before work) (ended 2026-05-31). Send a quote"
    )
    stored = await case_row(harness, case.id)
    assert stored.warranty == "out_of_warranty"
    async with harness.session() as session:
        product = await session.scalar(select(Product).where(Product.serial == "ZX-77"))
    assert product is not None and product.verified and str(product.warranty_end) == "2026-05-31"
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert 'id="form-warranty"' not in page
    assert (
        "Warranty verified · Desk Zhou out of warranty (the customer approves a quote before "
        "work), ends 2026-05-31"
    ) in timeline(page)

    # On site, the technician is offered a quote and no report: work waits for the approval.
    await check_in(harness, tech)
    card = await say(harness, tech, "/jobs")
    buttons = [b.text for row in tech.last().buttons() for b in row]
    assert "Quote: 💰 needed" in card
    assert "Quote" in buttons and "Report" not in buttons

    # The customer is waiting on the quote when the desk cancels: the quote is withdrawn.
    await send_quote(harness, tech)
    assert (await case_row(harness, case.id)).status == "quote_pending"
    _, notice = await act(harness, client, case.id, "cancel", csrf=csrf, reason="Too expensive")
    assert notice.startswith("The case is cancelled")
    async with harness.session() as session:
        quote = await session.scalar(select(Quote))
    assert quote is not None and quote.status == "withdrawn"


async def test_verified_in_warranty_tells_the_technician(harness: Harness, client: Client) -> None:
    customer, tech = await unverified_case(harness)
    case = await only_case(harness)
    # A second fault on the same product before the desk gets to the check.
    await say(harness, customer, "/report")
    await press(harness, customer, "ZX-77")
    await say(harness, customer, "Display flickers")
    await press(harness, customer, "Continue")
    await say(harness, customer, "88 Century Ave, Pudong, Shanghai")
    await press(harness, customer, "Tomorrow by 18:00")
    assert "to be verified" in await press(harness, customer, "Confirm")
    csrf = await log_in(harness, client, DISPATCHER)
    _, notice = await act(
        harness, client, case.id, "warranty", csrf=csrf, result="in_warranty",
        warranty_end="2027-05-31",
    )  # fmt: skip
    assert notice == "The warranty is recorded."
    assert "verified: in warranty" in tech.texts()[-1] and "No charge" in tech.texts()[-1]
    _, notice = await act(
        harness, client, case.id, "warranty", csrf=csrf, result="out_of_warranty",
        warranty_end="2026-05-31",
    )  # fmt: skip
    assert notice == "The warranty of this case is already decided."
    assert (await case_row(harness, case.id)).warranty == "in_warranty"
    second = await case_row(harness, case.id + 1)
    assert second.warranty == "in_warranty"  # the same product's other open case took the check


async def test_closed_case_page_in_chinese_has_no_raw_codes(
    harness: Harness, client: Client
) -> None:
    customer = await closed_job(harness)
    case = await only_case(harness)
    harness.advance(timedelta(hours=1))
    await harness.tick()  # the survey is pushed
    for label in ("5 — Very satisfied", "Yes", "4 — Good", "Yes", "No", "10", "Skip"):
        await press(harness, customer, label)
    csrf = await log_in(harness, client, DISPATCHER)
    await client.get("/lang/zh_CN?next=/")
    _, notice = await act(
        harness, client, case.id, "reopen", csrf=csrf, reason="客户来电：问题复发"
    )
    assert notice == "工单已重新打开并回到待派队列，响应时限重新计算。"
    page = await (await client.get(f"/cases/{case.id}")).text()
    answers = page.split('id="survey-answers">')[1].split("</ul>")[0]
    assert "总体而言" in answers and "是" in answers and "否" in answers
    assert "overall" not in answers and "money" not in answers
    assert "已完成" in page  # the survey's status
    line = timeline(page)
    for raw in ("confirmed by the customer", "to Tech An", "at 31.", "report #", "customer"):
        assert raw not in line, raw
    assert "客户已确认" in line and "派给 Tech An" in line
    assert "已重新打开 → 新登记 · Desk Zhou 客户来电：问题复发" in line
    assert "工单已关闭" in page  # the assignment's end, from the catalog
