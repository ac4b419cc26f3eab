"""The `aftersales` command: one entry point, subcommands in aftersales.commands."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from aftersales.commands import COMMAND_MODULES
from core.logs import setup_logging
from core.settings import Settings

# Commands that keep running: they log what they do at the configured level.
SERVICES = ("run", "demo")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="aftersales", description="Telegram front door of an after-sales service department"
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parses the command line, loads settings once, runs the command."""
    # PTB reports retry_after as a timedelta with this set (and warns without it).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"Invalid settings:\n{exc}", file=sys.stderr)
        return 2
    setup_logging(settings)
    if args.command not in SERVICES and settings.log_level.upper() != "DEBUG":
        # A one-shot command answers in its own lines; INFO logs (alembic's context, a backup
        # written) would only repeat them on stderr.
        logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    logging.getLogger(__name__).debug("running %s", args.command)
    result = args.handler(settings, args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
