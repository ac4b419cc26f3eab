"""The dashboard in a real headless Chromium: one-time login, board, assignment, an export."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from storage.models import Case
from tests.factories import make_case, make_customer
from tests.harness import Harness
from tests.web.conftest import add_staff, login_path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)
expect = playwright_api.expect


@pytest.fixture
async def site(harness: Harness) -> AsyncIterator[TestServer]:
    """The running bot's web app on a loopback port."""
    assert harness.runtime is not None
    server = TestServer(harness.runtime.build_web_app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium driven by Playwright."""
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def test_dispatcher_logs_in_assigns_and_exports(
    harness: Harness, site: TestServer, browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        customer = await make_customer(session, telegram_id=9001, now=now, name="王伟")
        case = await make_case(session, customer=customer, now=now)
    tech = await add_staff(harness, 9101, ["technician"], name="Tech Wu")
    await add_staff(harness, 9102, ["dispatcher"], name="Desk Liu")
    path = await login_path(harness, 9102)

    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    page = await context.new_page()
    await page.goto(str(site.make_url(path)))
    await page.click("#sign-in")
    await expect(page.locator("h1")).to_contain_text("Open cases")
    card = page.locator(f'#col-new .case-card[data-number="{case.number}"]')
    await expect(card).to_contain_text("Response due in")
    await page.screenshot(path=str(ARTIFACTS / "dashboard-board-phone.png"), full_page=True)

    await card.click()
    await expect(page.locator("h1")).to_contain_text(case.number)
    # The option reads "Tech Wu · Pudong · <ranking reasons>"; picked by its value.
    await page.select_option("#technician", value=str(tech.id))
    await page.click("#assign")
    await expect(page.locator("#notice")).to_contain_text("The technician is assigned")
    await expect(page.locator("#current-technician")).to_have_text("Tech Wu")
    await page.screenshot(path=str(ARTIFACTS / "dashboard-case-assigned.png"), full_page=True)
    async with harness.session() as session:
        stored = await session.scalar(select(Case).where(Case.id == case.id))
    assert stored is not None and stored.status == "assigned"

    await page.goto(str(site.make_url("/exports")))
    async with page.expect_download() as info:
        await page.click("#export-intake")
    download = await info.value
    saved = ARTIFACTS / download.suggested_filename
    await download.save_as(str(saved))
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert case.number in text and "王伟" in text and "Tech Wu" not in text.splitlines()[0]
    await page.screenshot(path=str(ARTIFACTS / "dashboard-exports.png"), full_page=True)

    desk = await browser.new_page(viewport={"width": 1440, "height": 900})
    await desk.context.add_cookies(await context.cookies())
    await desk.goto(str(site.make_url("/")))
    await expect(desk.locator("#col-assigned")).to_contain_text(case.number)
    await desk.screenshot(path=str(ARTIFACTS / "dashboard-board-desk.png"), full_page=True)
    await context.close()
