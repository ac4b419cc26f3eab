"""In Chromium: a dispatcher registers a phone request; the customer is confirmed in chat."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.bot.customer_steps import register
from tests.harness import Harness
from tests.web.conftest import add_staff, login_path
from tests.web.test_browser import browser, expect, pytestmark, site

__all__ = ["browser", "pytestmark", "site"]


async def test_a_phone_request_registered_in_the_dashboard_is_confirmed_in_chat(
    harness: Harness, site: TestServer, browser: Any
) -> None:
    customer = await register(harness, 9401, name="Wang Wei", phone="+8613800138000")
    await add_staff(harness, 9402, ["dispatcher"], name="Desk Liu")
    path = await login_path(harness, 9402)
    page = await browser.new_page()
    await page.goto(str(site.make_url(path)))
    await page.click("#sign-in")
    await page.click("#nav-new-case")
    await page.fill("#q", "13800138000")
    await page.click("#search")
    await expect(page.locator("label.match")).to_contain_text("Wang Wei")
    await page.fill("input[name=serial]", "SN-PHONE-1")
    await page.fill("input[name=model]", "AC-9000")
    await page.select_option("#channel", label="phone call")
    await page.fill("textarea[name=description]", "Unit hums and stops")
    await page.fill("input[name=address]", "88 Century Ave")
    await page.fill("input[name=due_date]", "2026-11-24")
    await page.fill("input[name=due_time]", "16:00")
    await page.click("#register")
    await expect(page.locator("h1")).to_contain_text("SR-20261123-0001")
    await expect(page.locator("#channel")).to_have_text("phone call")
    await harness.settle()
    confirmation = customer.texts()[-1]
    assert "Your request is registered as SR-20261123-0001" in confirmation
    assert "to be verified" in confirmation
    await page.close()
