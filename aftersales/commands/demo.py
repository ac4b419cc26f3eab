"""`aftersales demo`: the whole service on this machine, without Telegram (a sandbox)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import shutil
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.i18n import Texts
from core.settings import Settings

if TYPE_CHECKING:  # the sandbox and the bot are imported when the demo runs (see run)
    from aiohttp import web

    from aftersales.demo import Sandbox
    from sandbox.ui import SandboxUi

logger = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    """Adds the demo subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="try the whole service locally in a browser, without Telegram"
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="SQLite file for the demo data, kept on exit (default: a new temporary folder)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary data folder on exit (it is removed otherwise)",
    )
    parser.add_argument(
        "--port",
        type=int,
        help="port of the sandbox page and the dashboard (default: AFTERSALES_HTTP_PORT, 8080)",
    )
    parser.add_argument(
        "--api-port",
        type=int,
        help="port of the sandbox's own Bot API server "
        "(default: AFTERSALES_SANDBOX_API_PORT; 0 picks a free one)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; the sandbox has no login, keep it local)",
    )
    parser.add_argument(
        "--language",
        choices=("en", "zh_CN"),
        default="en",
        help="language of the demo people, the sandbox page and these console messages "
        "(default: en)",
    )
    parser.add_argument(
        "--script",
        action="store_true",
        help="run the whole case lifecycle unattended and print the transcript",
    )
    parser.set_defaults(handler=run)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the sandbox page until Ctrl+C, or the scripted lifecycle with --script."""
    # The whole bot is imported here, when the demo runs: every other command (the parser
    # imports them all) starts without it (`aftersales --help`: 1.8 s before, 1.2 s after).
    from aftersales.demo import default_db_path

    db_path: Path = args.db or default_db_path()
    console = Console(Texts(settings.tz), args.language)
    try:
        if args.script:
            from aftersales.demo_script import run_script

            return await run_script(settings, db_path=db_path, language=args.language)
        return await serve(settings, args, db_path, console)
    finally:
        if args.db is None:
            console.say(tidy_up(console, db_path, keep=args.keep))


async def serve(
    settings: Settings, args: argparse.Namespace, db_path: Path, console: Console
) -> int:
    """Serves the sandbox page and the product until Ctrl+C."""
    from aiohttp import web

    from aftersales.demo import ApiPortInUse, DemoClock, Sandbox
    from sandbox.ui import SandboxUi

    # The scheduler's "job executed" line every 30 s would drown the demo's terminal.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    port = args.port if args.port is not None else settings.http_port
    api_port = args.api_port if args.api_port is not None else settings.sandbox_api_port
    public_url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{port}"
    sandbox = Sandbox(
        settings,
        DemoClock(),
        db_path,
        language=args.language,
        public_url=public_url,
        api_port=api_port,
    )
    try:
        await sandbox.start()
    except ApiPortInUse as exc:
        await sandbox.stop()
        console.say(console.t("console.api_port_busy", port=api_port, reason=exc), error=True)
        return 2
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
            console.say(
                console.t("console.port_busy", host=args.host, port=port, reason=exc.strerror),
                error=True,
            )
            return 2
        # Ctrl+C must stop cleanly from the moment the banner says so.
        stop = _stop_on_signal()
        console.say(welcome(console, public_url, port, db_path, args))
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        await sandbox.stop()
    return 0


def web_app(sandbox: Sandbox, ui: SandboxUi) -> web.Application:
    """The product's web app (dashboard, health, metrics) with the sandbox page mounted in it."""
    from web.deps import sandbox_page_key

    runtime = sandbox.runtime
    assert runtime is not None
    app = runtime.build_web_app()
    app[sandbox_page_key] = "/sandbox"
    ui.dashboard = lambda: supervisor_login_link(sandbox)
    ui.setup(app)
    return app


async def supervisor_login_link(sandbox: Sandbox) -> str | None:
    """A fresh one-time dashboard login link for the demo supervisor."""
    from aftersales.demo import SUPERVISOR
    from storage.repos import dashboard as web_store
    from storage.repos import people

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


@dataclass(frozen=True)
class Console:
    """What the demo prints to its terminal, in the demo's language."""

    texts: Texts
    language: str

    def t(self, key: str, **args: object) -> str:
        """A catalog text in the demo's language."""
        return self.texts.get(self.language, key, **args)

    def say(self, text: str, *, error: bool = False) -> None:
        """Prints to the terminal at once (the demo runs until Ctrl+C); errors to stderr."""
        print(text, file=sys.stderr if error else sys.stdout, flush=True)


def welcome(console: Console, url: str, port: int, db_path: Path, args: argparse.Namespace) -> str:
    """Tells the person at the terminal where to look and how to change the port."""
    temporary = args.db is None and not args.keep
    lines = [
        "",
        console.t("console.banner.title"),
        "",
        console.t("console.banner.open", url=f"{url}/sandbox"),
        console.t("console.banner.port", port=port),
        console.t("console.banner.phones"),
        console.t("console.banner.try"),
        console.t("console.banner.dashboard"),
        console.t(
            "console.banner.data_temporary" if temporary else "console.banner.data_kept",
            path=db_path,
        ),
        console.t("console.banner.stop"),
    ]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        lines += ["", console.t("console.banner.exposed", host=args.host)]
    return "\n".join("  " + line if line else "" for line in [*lines, ""])


def tidy_up(console: Console, db_path: Path, *, keep: bool) -> str:
    """Removes the demo's temporary data folder unless kept; says where it is or was."""
    if keep:
        return console.t("console.exit.kept", path=db_path)
    shutil.rmtree(db_path.parent, ignore_errors=True)
    return console.t("console.exit.removed", path=db_path.parent)


def _stop_on_signal() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (from now on)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop
