"""`aftersales run`: the bot (polling, or webhook when a URL is set) with its scheduler."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

from aftersales.runtime import Runtime
from aftersales.settings import Settings

logger = logging.getLogger(__name__)

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
    runtime = Runtime(settings)
    await runtime.migrate()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await runtime.start()
    logger.info("aftersales is running; press Ctrl+C to stop")
    try:
        await stop.wait()
    finally:
        await runtime.stop()
    return 0
