"""`aftersales customer export|forget <telegram id>`: a person's data, on request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.clock import SystemClock
from core.settings import Settings
from services import privacy
from storage.db import create_engine, create_session_factory


def add_parser(subparsers: Any) -> None:
    """Adds the customer subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "customer", help="data protection: export or erase a customer's data"
    )
    actions = parser.add_subparsers(dest="customer_action", required=True)
    export = actions.add_parser("export", help="everything stored about a person, as JSON")
    export.add_argument("telegram_id", type=int)
    export.add_argument("--output", "-o", type=Path, help="write to this file, not stdout")
    forget = actions.add_parser(
        "forget", help="erase name, phone, addresses, photos and texts; keep anonymous stats"
    )
    forget.add_argument("telegram_id", type=int)
    forget.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    parser.set_defaults(handler=run)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the chosen action in one transaction."""
    if args.customer_action == "forget" and not args.yes:
        print(
            f"This erases the personal data of Telegram user {args.telegram_id} for good "
            "(cases stay, anonymous). Export it first if they asked for a copy.\n"
            "Run again with --yes to go ahead.",
            file=sys.stderr,
        )
        return 1
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            if args.customer_action == "export":
                data = await privacy.export_customer(session, telegram_id=args.telegram_id)
                if data is None:
                    return _unknown(args.telegram_id)
                _write(privacy.to_json(data), args.output)
                return 0
            forgotten = await privacy.forget_customer(
                session, telegram_id=args.telegram_id, now=SystemClock().now()
            )
            if forgotten is None:
                return _unknown(args.telegram_id)
    finally:
        await engine.dispose()
    print(
        f"Forgot customer #{forgotten.customer_id}: {forgotten.cases} cases kept anonymously, "
        f"{forgotten.photos} photos, {forgotten.messages} messages, {forgotten.updates} updates "
        f"and {forgotten.dialog_keys} dialog records erased."
    )
    return 0


def _unknown(telegram_id: int) -> int:
    """Says there is no such customer."""
    print(f"No customer with Telegram id {telegram_id}.", file=sys.stderr)
    return 1


def _write(text: str, output: Path | None) -> None:
    """Writes the export to a file or stdout."""
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    print(f"Wrote {output}.", file=sys.stderr)
