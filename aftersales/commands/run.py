"""`aftersales run`: the bot (polling, or webhook when a URL is set) with its scheduler."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

from core.settings import Settings

logger = logging.getLogger(__name__)

# EX_TEMPFAIL: a supervisor (systemd, compose) restarts the process, which becomes a standby.
LOST_LEADERSHIP = 75

NO_TOKEN = (
    "AFTERSALES_BOT_TOKEN is not set.\n"
    "Get a token from @BotFather in Telegram (/newbot), then put it in .env:\n"
    "    AFTERSALES_BOT_TOKEN=123456:ABC...\n"
    "To try the product without Telegram, run `aftersales demo` (what `make run` does)."
)


def add_parser(subparsers: Any) -> None:
    """Adds the run subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser("run", help="run the bot")
    parser.set_defaults(handler=run)


async def run(settings: Settings, _args: argparse.Namespace) -> int:
    """Migrates the database, starts the bot, runs until SIGINT/SIGTERM."""
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    # The bot is imported when it runs: every other command (the parser imports them all)
    # starts without it (`aftersales --help`: 1.8 s before, 1.2 s after).
    from aftersales.heap import settle_heap
    from aftersales.runtime import Runtime
    from storage.db import fill_pool

    runtime = Runtime(settings, serve_http=True)
    await runtime.migrate()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await runtime.start()
    await fill_pool(runtime.engine)
    settle_heap()
    logger.info("aftersales is running; press Ctrl+C to stop")
    fenced = asyncio.ensure_future(runtime.fenced.wait())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({fenced, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        fenced.cancel()
        stopped.cancel()
        await runtime.stop()
    if runtime.fenced.is_set():
        # The leader lock was lost: exit so the service manager restarts us as a standby.
        logger.error("lost the leader lock; exiting (code %s) to be restarted", LOST_LEADERSHIP)
        return LOST_LEADERSHIP
    return 0
