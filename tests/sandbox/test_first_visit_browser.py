"""A first-time visitor in Chromium: from the login page to the sandbox, a newcomer registers
and reports a fault, the sandbox's staff sign-in shows the case. Screenshots of each step go to
test-artifacts/ (look at them: emoji and Chinese must not be boxes; `make chromium` installs
the fonts)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands.demo import web_app
from aftersales.demo import NEWCOMER, SPARE_SERIAL
from core.clock import ManualClock
from core.i18n import Texts
from tests.sandbox.sandbox_world import running_sandbox, sandbox_ui
from tests.sandbox.test_sandbox_browser import (
    bot_says,
    expect,
    in_chromium,
    press,
    pytestmark,
    say,
)

__all__ = ["pytestmark"]  # skipped where Chromium or playwright is missing, as its neighbour

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_fonts_draw_emoji_and_chinese() -> None:
    """Without them Chromium draws boxes; `make chromium` installs both."""
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig to ask")
    for pattern, package in (
        (":charset=1f4f1", "fonts-noto-color-emoji"),
        (":lang=zh-cn", "fonts-wqy-microhei"),
    ):
        found = subprocess.run(
            ["fc-list", pattern, "family"], capture_output=True, text=True, check=False
        ).stdout
        assert found.strip(), f"no font for {pattern}: run `make chromium` ({package})"


@pytest.mark.long
@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_first_time_visitor_registers_reports_and_finds_the_dashboard(
    engine: AsyncEngine, clock: ManualClock, language: str
) -> None:
    texts = Texts(clock.now().tzinfo)  # type: ignore[arg-type]

    def t(key: str, **args: Any) -> str:
        return texts.get(language, key, **args)

    ARTIFACTS.mkdir(exist_ok=True)
    shot = str(ARTIFACTS / f"first-visit-{language}-{{}}.png")
    async with (
        running_sandbox(engine, clock, language=language) as sandbox,
        in_chromium(
            web_app(sandbox, sandbox_ui(sandbox)),
            f"/lang/{language}?next=/",
            width=1700,
            height=950,
        ) as (page, server),
    ):
        # The web root asks for a login; in the sandbox that page leads back.
        await expect(page.locator("main")).to_contain_text(t("web.login.sandbox"))
        await page.screenshot(path=shot.format("1-login"))
        await page.get_by_test_id("sandbox-page").click()
        await expect(page.get_by_test_id("banner")).to_be_visible()
        assert page.url.endswith("/sandbox")

        await say(page, "newcomer", "/start")
        await press(page, "newcomer", t("lang.name"))
        await bot_says(page, "newcomer", t("start.ask_name"))
        await say(page, "newcomer", NEWCOMER.name)
        contact = t("start.btn_share_phone")  # 📱: an emoji the font must draw
        newcomer = page.get_by_test_id("pane-newcomer")
        await expect(newcomer.locator(".reply-keyboard")).to_contain_text(contact)
        await newcomer.screenshot(path=shot.format("2-registering"))
        await press(page, "newcomer", contact)
        await bot_says(page, "newcomer", t("start.ask_company"))
        await say(page, "newcomer", "Pudong Cold Chain")
        await bot_says(page, "newcomer", t("start.registered", name=NEWCOMER.name))

        await say(page, "newcomer", "/report")
        await bot_says(page, "newcomer", t("products.ask_serial"))  # none yet
        await say(page, "newcomer", SPARE_SERIAL)
        await bot_says(page, "newcomer", t("report.ask_description", max=5)[:20])
        await say(page, "newcomer", "Not cooling, error E4 on the display")
        await press(page, "newcomer", t("report.btn_continue"))
        await say(page, "newcomer", "88 Century Ave, Pudong, Shanghai")
        await press(page, "newcomer", t("report.btn_tomorrow", hour=18))
        await press(page, "newcomer", t("report.btn_confirm"))
        await bot_says(page, "newcomer", "SR-20261123-0001")
        await page.screenshot(path=shot.format("3-reported"))
        dispatcher = page.get_by_test_id("pane-dispatcher").locator(".msg.bot").last
        await expect(dispatcher).to_contain_text("🆕")
        await dispatcher.screenshot(path=shot.format("4-desk-notice"))

        # Back at the login page, its other link signs the supervisor in.
        await page.goto(str(server.make_url("/login")))
        await page.get_by_test_id("sandbox-dashboard").click()
        await page.locator("#sign-in").click()
        await expect(page.locator("main")).to_contain_text("SR-20261123-0001")
        await page.screenshot(path=shot.format("5-dashboard"))
