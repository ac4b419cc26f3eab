"""In Chromium: the desk searches the board by phone and opens the customer's service file."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.bot.customer_steps import register, report_fault
from tests.factories import make_product
from tests.harness import Harness
from tests.web.conftest import add_staff, login_path
from tests.web.test_browser import ARTIFACTS, browser, expect, pytestmark, site

__all__ = ["browser", "pytestmark", "site"]


async def test_search_by_phone_leads_to_the_customer_file(
    harness: Harness, site: TestServer, browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-2024", now=harness.clock.now())
    customer = await register(harness, 9501, name="Wang Wei", phone="+8613800138000")
    assert "registered as" in await report_fault(harness, customer, serial="SN-2024")
    await add_staff(harness, 9502, ["dispatcher"], name="Desk Liu")
    path = await login_path(harness, 9502)
    page = await browser.new_page()
    await page.goto(str(site.make_url(path)))
    await page.click("#sign-in")
    await page.fill("#board-q", "138 0013 8000")
    await page.click("#board-find")
    await expect(page.locator("#case-list")).to_contain_text("SR-20261123-0001")
    await page.click("#case-list .customer-link")
    await expect(page.locator("h1")).to_contain_text("Wang Wei")
    await expect(page.locator("#history")).to_contain_text("SR-20261123-0001")
    await page.fill("#region", "Pudong")
    await page.click("#save-region")
    await expect(page.locator("#notice")).to_contain_text("The region is saved.")
    await expect(page.locator("#c-region")).to_have_text("Pudong")
    await page.screenshot(path=str(ARTIFACTS / "dashboard-customer-file.png"), full_page=True)
    await page.click("#history a[href^='/products/']")
    await expect(page.locator("#p-serial")).to_have_text("SN-2024")
    await page.close()
