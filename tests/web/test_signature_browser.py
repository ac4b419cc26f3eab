"""The customer signs the service report with a finger (a mouse here) in a real Chromium."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from storage.models import Case, ServiceReport
from tests.bot.dispatch_steps import TECH_A
from tests.web.test_browser import ARTIFACTS, browser, site  # fixtures, reused
from tests.web.test_signature import _filed, _launch, harness

__all__ = ["browser", "harness", "site"]

expect = pytest.importorskip("playwright.async_api", reason="playwright is not installed").expect


async def test_customer_signs_on_the_mini_app_page(
    harness: Any, site: TestServer, browser: Any
) -> None:
    customer, _, report_id = await _filed(harness)
    ARTIFACTS.mkdir(exist_ok=True)
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    # Telegram opens the page with its signed launch data in the fragment.
    url = site.make_url(f"/sign/{report_id}")
    await page.goto(f"{url}#tgWebAppData={_quote(_launch(harness, TECH_A))}")
    await page.wait_for_selector("#pad-box:not([hidden])")
    assert "SR-20261123-0001" in await page.inner_text("#sheet")
    assert "Start relay" in await page.inner_text("#sheet")

    await page.click("#accept")  # nothing drawn yet
    await expect(page.locator("#message")).to_contain_text("sign in the box first")
    box = await page.locator("#pad").bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 30, box["y"] + 60)
    await page.mouse.down()
    for step in range(1, 12):
        await page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 60 + (step % 3) * 20)
    await page.mouse.up()
    await page.screenshot(path=str(ARTIFACTS / "signature-pad.png"), full_page=True)
    await page.click("#accept")
    await page.wait_for_selector("#pad-box[hidden]", state="attached")
    assert "signed" in await page.inner_text("#message")
    await context.close()

    await harness.settle()
    async with harness.session() as session:
        report = await session.get(ServiceReport, report_id)
        case = await session.scalar(select(Case))
    assert report is not None and report.confirmation == "signed"
    assert report.signature_png is not None and report.signature_png.startswith(b"\x89PNG")
    assert len(report.signature_png) > 500  # strokes, not an empty canvas
    assert case is not None and case.status == "closed"
    assert any(m.document_file_id for m in customer.inbox())


def _quote(value: str) -> str:
    """The launch data as it stands in a URL fragment."""
    return quote(value, safe="")
