"""The sandbox page in a real headless Chromium: panes, buttons, the clock control."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.demo import Sandbox
from core.clock import ManualClock
from tests.sandbox.sandbox_world import running_sandbox, sandbox_ui

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

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)
expect = playwright_api.expect


@pytest.fixture
async def sandbox(engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[Sandbox]:
    async with running_sandbox(engine, clock) as running:
        yield running


@asynccontextmanager
async def in_chromium(
    app: web.Application, path: str, *, width: int = 1600, height: int = 900
) -> AsyncIterator[tuple[Any, TestServer]]:
    """A Chromium tab with `path` of the app open, and the test server serving the app."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            try:
                tab = await browser.new_page(viewport={"width": width, "height": height})
                await tab.goto(str(server.make_url(path)))
                yield tab, server
            finally:
                await browser.close()
    finally:
        await server.close()


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[Any]:
    """The sandbox page, open in Chromium."""
    async with in_chromium(sandbox_ui(sandbox).app(), "/sandbox") as (tab, _server):
        yield tab


async def say(page: Any, pane: str, text: str) -> None:
    """Types a message in a pane and sends it with Enter."""
    box = page.get_by_test_id(f"pane-{pane}").locator('input[name="text"]')
    await box.fill(text)
    await box.press("Enter")


async def press(page: Any, pane: str, label: str) -> None:
    """Clicks the newest inline or keyboard button of a pane whose text contains label."""
    button = page.get_by_test_id(f"pane-{pane}").locator("button.button", has_text=label).last
    await button.click()


async def bot_says(page: Any, pane: str, text: str) -> None:
    """Waits until the newest bot message of a pane contains text.

    Up to 15 s, not Playwright's 5: a message comes through the sweep, the outbox and the
    sandbox's paced delivery, which a busy 2-core machine (CI runs two workers) can slow.
    """
    last = page.get_by_test_id(f"pane-{pane}").locator(".msg.bot").last
    await expect(last).to_contain_text(text, timeout=15_000)


async def report_fault(page: Any) -> None:
    """The customer reports a fault on the in-warranty air conditioner."""
    await say(page, "customer", "/report")
    await bot_says(page, "customer", "Which product")
    await press(page, "customer", "AC-2025-0001")
    await bot_says(page, "customer", "describe the problem")
    await say(page, "customer", "Not cooling, error E4 on the display")
    await press(page, "customer", "Continue")
    await bot_says(page, "customer", "Where should the technician come")
    await say(page, "customer", "88 Century Ave, Pudong, Shanghai")
    await press(page, "customer", "Tomorrow by 18:00")
    await bot_says(page, "customer", "Is everything right?")
    await press(page, "customer", "Confirm")
    await bot_says(page, "customer", "registered as SR-20261123-0001")


async def test_page_loads_marked_as_sandbox_and_the_attach_menu_works(page: Any) -> None:
    await expect(page.get_by_test_id("banner")).to_contain_text(
        "SANDBOX — not connected to Telegram"
    )
    for pane in ("customer", "technician", "dispatcher", "supervisor"):
        await expect(page.get_by_test_id(f"pane-{pane}")).to_be_visible()
    await expect(page.get_by_test_id("clock")).to_have_text("2026-11-23 09:00")
    customer = page.get_by_test_id("pane-customer")
    for action in ("Send a sample photo", "Share my location", "Share my contact"):
        await customer.locator("summary").click()
        await customer.get_by_role("button", name=action).click()
    sent = customer.locator(".msg.user")
    await expect(sent).to_have_count(3)
    image = sent.nth(0).locator("img")
    await expect(image).to_be_visible()
    assert await image.evaluate("img => img.naturalWidth") == 96
    await expect(sent.nth(1)).to_contain_text("Location 31.23040, 121.47370")
    await expect(sent.nth(2)).to_contain_text("Contact: +8613800138000")


async def test_customer_reports_and_time_brings_the_desk_reminder(
    page: Any, sandbox: Sandbox
) -> None:
    await report_fault(page)
    customer = page.get_by_test_id("pane-customer")
    await expect(customer.locator(".msg.user").first).to_have_text("/report")
    # The answer's buttons are gone once the confirmation is edited; nothing stale to press.
    await page.get_by_test_id("advance-day").click()
    await expect(page.get_by_test_id("clock")).to_have_text("2026-11-24 09:00")
    await bot_says(page, "dispatcher", "SR-20261123-0001")


@pytest.mark.long
async def test_technician_accepts_and_the_survey_arrives_when_time_passes(page: Any) -> None:
    await report_fault(page)
    await bot_says(page, "dispatcher", "New fault repair SR-20261123-0001")
    await press(page, "dispatcher", "Assign")
    await press(page, "dispatcher", "Zhang Lei")
    await bot_says(page, "technician", "Please accept or decline")
    await press(page, "technician", "Accept")
    await bot_says(page, "technician", "technician on the way")
    await bot_says(page, "customer", "technician Zhang Lei")
    await press(page, "technician", "Check in")
    await press(page, "technician", "Share my location")  # the reply keyboard's button
    await bot_says(page, "technician", "technician on site")
    await press(page, "technician", "Report")
    await say(page, "technician", "Replaced the fan capacitor")
    await bot_says(page, "technician", "Parts used?")
    await press(page, "technician", "No more parts")
    await bot_says(page, "technician", "Labour hours?")
    await say(page, "technician", "1")
    await bot_says(page, "technician", "Travel cost?")
    await say(page, "technician", "0")
    await press(page, "technician", "Wear")
    await bot_says(page, "technician", "major quality problem")
    await press(page, "technician", "No")
    await bot_says(page, "technician", "Is the problem fixed?")
    await press(page, "technician", "Yes")
    await press(page, "technician", "Submit")
    await bot_says(page, "customer", "Please confirm the work is done")
    await press(page, "customer", "Confirm")
    await bot_says(page, "customer", "is closed")
    await page.get_by_test_id("advance-hour").click()
    await expect(page.get_by_test_id("clock")).to_have_text("2026-11-23 10:00")
    await bot_says(page, "customer", "Please tell us how it went")
    await press(page, "customer", "5 — Very satisfied")
    await bot_says(page, "customer", "Question 2 of 7")
