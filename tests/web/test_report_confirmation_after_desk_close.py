"""A case the desk closes before the customer answered the service report: the case page no
longer says the confirmation is awaited, and the customer's old buttons say why they do nothing."""

from __future__ import annotations

from tests.bot.customer_steps import press
from tests.bot.dispatch_steps import DISPATCHER, accepted_job, check_in, file_report, only_case
from tests.harness import Harness
from tests.web.case_action_steps import act
from tests.web.conftest import Client, log_in


def report_section(page: str) -> str:
    """The case page's service report card."""
    start = page.index("<dd>", page.index("Customer&#39;s confirmation"))
    return page[start : page.index("</dd>", start)]


async def test_closed_by_the_desk_before_the_customer_answered(
    harness: Harness, client: Client
) -> None:
    customer, tech = await accepted_job(harness)
    await check_in(harness, tech)
    assert "filed" in await file_report(harness, tech)
    case = await only_case(harness)
    csrf = await log_in(harness, client, DISPATCHER)
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert report_section(page) == "<dd>waiting"

    _, notice = await act(harness, client, case.id, "close", csrf=csrf, note="Confirmed by phone")
    assert notice.startswith("The case is closed")
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert report_section(page) == "<dd>not given: the case was closed without it"
    await client.get(f"/lang/zh_CN?next=/cases/{case.id}", allow_redirects=False)
    chinese = await (await client.get(f"/cases/{case.id}")).text()
    assert "未确认：工单在客户确认前已关闭" in chinese and "等待确认" not in chinese

    # The customer's report message still carries its buttons; pressing one says why not.
    await press(harness, customer, "Confirm")
    assert harness.server.callback_notices(customer.user_id)[-1] == {
        "text": "This button is no longer valid.",
        "alert": True,
    }
