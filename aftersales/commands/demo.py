"""`aftersales demo`: the whole service on this machine, without Telegram (a sandbox)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from aftersales.demo import SUPERVISOR, DemoClock, Sandbox, default_db_path
from core.settings import Settings
from sandbox.ui import SandboxUi
from storage.repos import people
from web.deps import sandbox_page_key

logger = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    """Adds the demo subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="try the whole service locally in a browser, without Telegram"
    )
    parser.add_argument(
        "--db", type=Path, help="SQLite file for the demo data (default: a new temporary file)"
    )
    parser.add_argument(
        "--port", type=int, help="port of the sandbox page (default: AFTERSALES_HTTP_PORT)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; the sandbox has no login, keep it local)",
    )
    parser.add_argument("--language", choices=("en", "zh_CN"), default="en")
    parser.add_argument(
        "--script",
        action="store_true",
        help="run the whole case lifecycle unattended and print the transcript",
    )
    parser.set_defaults(handler=run)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the sandbox page until Ctrl+C, or the scripted lifecycle with --script."""
    if args.script:
        from aftersales.demo_script import run_script

        return await run_script(settings, db_path=args.db, language=args.language)
    # The scheduler's "job executed" line every 30 s would drown the demo's terminal.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    port = args.port if args.port is not None else settings.http_port
    public_url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{port}"
    db_path: Path = args.db or default_db_path()
    sandbox = Sandbox(
        settings, DemoClock(), db_path, language=args.language, public_url=public_url
    )
    await sandbox.start()
    runner: web.AppRunner | None = None
    try:
        ui = SandboxUi(
            sandbox.server,
            sandbox.panes(),
            sandbox,
            language=args.language,
            tz=settings.tz,
            dashboard=None,
            db_label=str(db_path),
        )
        app = web_app(sandbox, ui)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, args.host, port).start()
        except OSError as exc:
            print(
                f"Cannot listen on {args.host}:{port} ({exc.strerror}). "
                "Pick another port: aftersales demo --port 8090",
                file=sys.stderr,
            )
            return 2
        print_welcome(public_url, db_path, args.host)
        await _wait_for_signal()
    finally:
        if runner is not None:
            await runner.cleanup()
        await sandbox.stop()
    return 0


def web_app(sandbox: Sandbox, ui: SandboxUi) -> web.Application:
    """The product's web app (dashboard, health, metrics) with the sandbox page mounted in it."""
    runtime = sandbox.runtime
    assert runtime is not None
    app = runtime.build_web_app()
    app[sandbox_page_key] = "/sandbox"
    ui.dashboard = lambda: supervisor_login_link(sandbox)
    ui.setup(app)
    return app


async def supervisor_login_link(sandbox: Sandbox) -> str | None:
    """A fresh one-time dashboard login link for the demo supervisor."""
    from storage.repos import dashboard as web_store

    runtime = sandbox.runtime
    assert runtime is not None
    token = secrets.token_urlsafe(24)
    async with runtime.sessions() as session, session.begin():
        staff = await people.get_staff(session, telegram_id=SUPERVISOR.telegram_id)
        if staff is None:
            return None
        await web_store.create_login_token(
            session,
            staff_id=staff.id,
            token=token,
            now=sandbox.now(),
            valid_for=timedelta(minutes=runtime.settings.dashboard_link_minutes),
        )
    return f"/login/{token}"


def print_welcome(url: str, db_path: Path, host: str) -> None:
    """Tells the person at the terminal where to look."""
    print(
        "\n  aftersales SANDBOX — not connected to Telegram\n\n"
        f"  Open  {url}/sandbox\n"
        "  Four phones side by side: customer, technician, dispatcher, supervisor.\n"
        "  Try /report in the customer's phone; move the clock to see reminders and surveys.\n"
        f"  Data: {db_path}  (keep it with --db FILE)\n"
        "  Stop with Ctrl+C.\n",
        flush=True,
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"  WARNING: listening on {host}: anyone who can reach this machine can use the "
            "sandbox and its dashboard link.\n",
            flush=True,
        )


async def _wait_for_signal() -> None:
    """Returns on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
