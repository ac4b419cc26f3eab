"""`aftersales demo`: demo data, the scripted lifecycle, the command, the page and dashboard.

Not covered here: the interactive command's wait for Ctrl+C (its parts are: the web app it
serves is built by `web_app`, tested below; the sandbox it starts is the one every test uses).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.cli import build_parser
from aftersales.commands.demo import web_app
from aftersales.demo import (
    CUSTOMER,
    IN_WARRANTY_SERIAL,
    OUT_OF_WARRANTY_SERIAL,
    TECHNICIAN,
    TECHNICIAN_NORTH,
)
from aftersales.demo_script import STAGES, run_script
from core.clock import ManualClock
from storage.models import Customer, Product, Staff
from tests.conftest import USE_PG
from tests.harness import UNPACED
from tests.sandbox.sandbox_world import demo_settings, running_sandbox, sandbox_ui


async def test_demo_data_has_staff_in_two_regions_and_products_in_and_out_of_warranty(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    async with running_sandbox(engine, clock) as sandbox:
        assert sandbox.server.base_url.startswith("http://127.0.0.1:")
        assert sandbox.runtime is not None
        async with sandbox.runtime.sessions() as session:
            staff = {s.telegram_id: s for s in await session.scalars(select(Staff))}
            products = {p.serial: p for p in await session.scalars(select(Product))}
            customer = await session.scalar(
                select(Customer).where(Customer.telegram_id == CUSTOMER.telegram_id)
            )
    roles = {frozenset(s.role_set) for s in staff.values()}
    assert {frozenset({"technician"}), frozenset({"dispatcher"})} <= roles
    assert any("supervisor" in r for r in roles)
    north, south = staff[TECHNICIAN_NORTH.telegram_id], staff[TECHNICIAN.telegram_id]
    assert not set(north.region_list) & set(south.region_list)
    today = clock.now().date()
    assert products[IN_WARRANTY_SERIAL].warranty_end > today  # type: ignore[operator]
    assert products[OUT_OF_WARRANTY_SERIAL].warranty_end < today  # type: ignore[operator]
    assert customer is not None and customer.registered_at is not None
    assert products[IN_WARRANTY_SERIAL].customer_id == customer.id


async def test_a_reused_database_is_seeded_once_and_the_bot_keeps_answering(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    async with running_sandbox(engine, clock) as sandbox:
        sandbox.users["customer"].send_text("/help")
        await sandbox.settle()
    async with running_sandbox(engine, clock) as sandbox:
        # A new local server, but the bot's database saw update 1 already.
        update_id = sandbox.users["customer"].send_text("/help")
        assert update_id == 2
        await sandbox.settle()
        assert sandbox.users["customer"].texts()
        assert sandbox.runtime is not None
        async with sandbox.runtime.sessions() as session:
            assert len(list(await session.scalars(select(Staff)))) == 4


async def test_script_runs_the_whole_lifecycle(engine: AsyncEngine, tmp_path: Path) -> None:
    out = io.StringIO()
    # Unpaced, as in the harness: 4.5 of the script's 6 s were the outbox's 1 s per chat.
    settings = demo_settings(**UNPACED)
    code = await run_script(settings, db_path=tmp_path / "x.db", engine=engine, out=out)
    transcript = out.getvalue()
    assert code == 0, transcript
    for name, _ in STAGES:
        assert f"=== {name} ===" in transcript
    assert "SANDBOX" in transcript
    assert "Please tell us how it went" in transcript
    assert "Complaint CP-" in transcript and "is settled" in transcript
    assert "Wang Wei (customer) types: /report" in transcript
    assert "⏩ the clock moves forward 1 h 1 min" in transcript
    assert f"All {len(STAGES)} steps of the lifecycle worked." in transcript


async def test_script_in_chinese(engine: AsyncEngine, tmp_path: Path) -> None:
    out = io.StringIO()
    code = await run_script(
        demo_settings(**UNPACED),
        db_path=tmp_path / "x.db",
        engine=engine,
        out=out,
        language="zh_CN",
    )
    transcript = out.getvalue()
    assert code == 0, transcript
    assert "工单号 SR-" in transcript
    # The framing speaks Chinese too, not only the bot.
    assert transcript.startswith("aftersales 沙盒 — 自动演示，未连接 Telegram\n")
    assert "=== 报修 ===" in transcript and "=== 满意度调查 ===" in transcript
    assert "Wang Wei (客户) 输入：/report" in transcript
    assert "⏩ 时钟向前拨动 1小时1分" in transcript
    assert "生命周期的全部 8 个步骤均已成功。" in transcript
    for english in ("types:", "presses", "bot →", "=== report ===", "All 8 steps"):
        assert english not in transcript


@pytest.mark.long
@pytest.mark.skipif(USE_PG, reason="the demo keeps its data in SQLite by design")
def test_demo_script_command_on_a_fresh_machine(tmp_path: Path) -> None:
    """`aftersales demo --script` in a directory with no .env and no token: migrations + run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    env["AFTERSALES_LOG_LEVEL"] = "WARNING"
    done = subprocess.run(
        [sys.executable, "-m", "aftersales.cli", "demo", "--script", "--db", "demo.db"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).parent.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "All 8 steps of the lifecycle worked." in done.stdout
    assert (tmp_path / "demo.db").exists()


def test_demo_command_binds_locally_by_default() -> None:
    args = build_parser().parse_args(["demo"])
    assert args.host == "127.0.0.1" and args.script is False and args.db is None
    assert (args.keep, args.api_port) == (False, None)
    args = build_parser().parse_args(["demo", "--script", "--port", "8090", "--db", "d.db"])
    assert (args.script, args.port, args.db) == (True, 8090, Path("d.db"))


async def test_page_is_served_next_to_the_dashboard_with_a_supervisor_login(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    async with running_sandbox(engine, clock) as sandbox:
        ui = sandbox_ui(sandbox)
        client: TestClient[Any, Any] = TestClient(TestServer(web_app(sandbox, ui)))
        await client.start_server()
        try:
            page = await client.get("/sandbox")
            assert page.status == 200 and "SANDBOX" in await page.text()
            assert (await client.get("/healthz")).status == 200
            link = await client.get("/sandbox/dashboard", allow_redirects=False)
            assert link.status == 302
            assert link.headers["Location"].startswith("/login/")
            login = await client.get(link.headers["Location"])
            assert login.status == 200
            signed_in = await client.post(link.headers["Location"], allow_redirects=False)
            assert signed_in.status == 302
            board = await client.get("/")
            assert board.status == 200 and "Zhou Min" in await board.text()
        finally:
            await client.close()


async def test_the_login_page_of_the_sandbox_leads_back_to_the_sandbox(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    """No Telegram in the sandbox: the login page offers the sandbox's supervisor sign-in."""
    async with running_sandbox(engine, clock) as sandbox:
        client: TestClient[Any, Any] = TestClient(
            TestServer(web_app(sandbox, sandbox_ui(sandbox)))
        )
        await client.start_server()
        try:
            root = await client.get("/")
            assert root.url.path == "/login"
            html = await root.text()
            assert "send /dashboard" not in html
            assert "This is the sandbox: there is no Telegram here" in html
            assert 'href="/sandbox/dashboard"' in html and 'href="/sandbox"' in html
            chinese = await client.get("/lang/zh_CN?next=/login")
            assert "这里是沙盒" in await chinese.text()
            signed_in = await client.get("/sandbox/dashboard")  # the link, then its button
            assert signed_in.url.path.startswith("/login/")
            board = await client.post(signed_in.url.path)
            assert board.status == 200 and "Zhou Min" in await board.text()
        finally:
            await client.close()
