"""In Chromium: the desk writes to the customer and moves the on-site deadline from the case
page; the customer reads both in chat."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.bot.dispatch_steps import DISPATCHER, customer_with_case, only_case, staff_team
from tests.harness import Harness
from tests.web.case_action_steps import deliver
from tests.web.conftest import login_path
from tests.web.test_browser import browser, expect, pytestmark, site

__all__ = ["browser", "pytestmark", "site"]


async def test_desk_writes_and_moves_the_deadline_from_the_case_page(
    harness: Harness, site: TestServer, browser: Any
) -> None:
    await staff_team(harness)
    customer = await customer_with_case(harness)
    case = await only_case(harness)
    path = await login_path(harness, DISPATCHER)
    page = await browser.new_page()
    await page.goto(str(site.make_url(path)))
    await page.click("#sign-in")
    await page.goto(str(site.make_url(f"/cases/{case.id}")))

    await page.fill("#form-message textarea[name=text]", "A technician will call you today.")
    await page.click("#send-message")
    await expect(page.locator("#notice")).to_have_text(
        "The message is on its way to the customer's chat."
    )
    await deliver(harness)
    assert customer.texts()[-1].endswith("A technician will call you today.")

    await page.fill("#deadline", "2026-11-25T10:30")
    await page.click("#change-deadline")
    await expect(page.locator("#notice")).to_have_text(
        "The on-site deadline is changed; the customer has been told."
    )
    await deliver(harness)
    assert customer.texts()[-1].endswith("is now planned by 2026-11-25 10:30.")
    await expect(page.locator("#timeline")).to_contain_text("On-site deadline changed")
    await page.close()
