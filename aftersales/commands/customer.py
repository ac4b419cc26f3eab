"""`aftersales customer export|forget|key|region WHO`: data on request, the desk's marks."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aftersales.commands.database import NoDatabase, existing_database, refuse
from core.clock import SystemClock
from core.settings import Settings
from domain.validation import InputError, normalize_phone
from services import customer_edits, privacy
from storage.db import create_session_factory
from storage.models import Customer
from storage.repos import people

WHO = "the customer's Telegram id or phone number (e.g. +8613800138000)"
# The desk's marks, recorded (as by the terminal) on the customer page's list of changes.
KEEPS_RECORD = frozenset({"key", "region"})


def add_parser(subparsers: Any) -> None:
    """Adds the customer subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "customer", help="export or erase a customer's data; mark a key customer"
    )
    actions = parser.add_subparsers(dest="customer_action", required=True)
    export = actions.add_parser("export", help="everything stored about a person, as JSON")
    export.add_argument("who", metavar="ID_OR_PHONE", help=WHO)
    export.add_argument("--output", "-o", type=Path, help="write to this file, not stdout")
    forget = actions.add_parser(
        "forget", help="erase name, phone, addresses, photos and texts; keep anonymous stats"
    )
    forget.add_argument("who", metavar="ID_OR_PHONE", help=WHO)
    forget.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    key = actions.add_parser("key", help="mark (--on) or unmark (--off) a key customer")
    key.add_argument("who", metavar="ID_OR_PHONE", help=WHO)
    switch = key.add_mutually_exclusive_group(required=True)
    switch.add_argument(
        "--on", dest="key", action="store_true", help="key customer: return visits"
    )
    switch.add_argument("--off", dest="key", action="store_false", help="no more return visits")
    region = actions.add_parser(
        "region", help="set the region dispatch matches to technicians (--clear to remove it)"
    )
    region.add_argument("who", metavar="ID_OR_PHONE", help=WHO)
    where = region.add_mutually_exclusive_group(required=True)
    where.add_argument("--set", dest="region", metavar="REGION", help="e.g. Pudong")
    where.add_argument("--clear", action="store_true", help="no region")
    parser.set_defaults(handler=run)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Finds the one customer meant, then runs the chosen action in one transaction."""
    try:
        async with existing_database(settings) as engine:
            sessions = create_session_factory(engine)
            async with sessions() as session, session.begin():
                customer = await find_customer(session, args.who)
                if customer is None:
                    return 1
                now = SystemClock().now()
                if customer.forgotten_at is not None and args.customer_action in KEEPS_RECORD:
                    print("This customer's data was erased on request.", file=sys.stderr)
                    return 1
                if args.customer_action == "key":
                    changed = await customer_edits.set_key(
                        session, customer=customer, key=args.key, staff_id=None, now=now
                    )
                    print(_key_line(customer, changed=changed))
                    return 0
                if args.customer_action == "region":
                    region = None if args.clear else args.region
                    return await _region(session, customer, region, now)
                if args.customer_action == "export":
                    data = await privacy.export_customer(session, customer=customer)
                    _write(privacy.to_json(data), args.output)
                    return 0
                if not args.yes:
                    print(
                        f"This erases the personal data of {_describe(customer)} for good "
                        "(cases stay, anonymous). Export it first if they asked for a copy.\n"
                        "Run again with --yes to go ahead.",
                        file=sys.stderr,
                    )
                    return 1
                forgotten = await privacy.forget_customer(
                    session, customer=customer, now=SystemClock().now()
                )
    except NoDatabase as exc:
        return refuse(exc)
    print(
        f"Forgot customer #{forgotten.customer_id}: {forgotten.cases} cases kept anonymously, "
        f"{forgotten.photos} photos, {forgotten.messages} messages, {forgotten.updates} updates "
        f"and {forgotten.dialog_keys} dialog records erased."
    )
    return 0


async def find_customer(session: AsyncSession, who: str) -> Customer | None:
    """The one customer with this Telegram id or phone; None after saying why not."""
    text = who.strip()
    telegram_id = int(text) if text.isascii() and text.isdigit() else None
    try:
        phone: str | None = normalize_phone(text)
    except InputError:
        phone = None
    if telegram_id is None and phone is None:
        print(f"{who!r} is neither a Telegram id nor a phone number.", file=sys.stderr)
        return None
    found = await people.customers_matching(session, telegram_id=telegram_id, phone=phone)
    if not found:
        print(f"No customer with Telegram id or phone {text}.", file=sys.stderr)
        return None
    if len(found) > 1:
        lines = [f"{len(found)} customers match {text}; run again with one Telegram id:"]
        lines.extend("  " + _describe(customer) for customer in found)
        print("\n".join(lines), file=sys.stderr)
        return None
    return found[0]


def _describe(customer: Customer) -> str:
    """Who a customer is, for the person at the terminal."""
    details = ", ".join(part for part in (customer.name, customer.company, customer.phone) if part)
    return f"Telegram id {customer.telegram_id}" + (f" ({details})" if details else "")


def _key_line(customer: Customer, *, changed: bool) -> str:
    """What the key command did, for the person at the terminal."""
    if changed:
        state = "is now a key customer (return visits)" if customer.is_key else "is no longer"
    else:
        state = "was already a key customer" if customer.is_key else "was not"
    if not customer.is_key:
        state += " a key customer"
    return f"{_describe(customer)} {state}."


async def _region(
    session: AsyncSession, customer: Customer, region: str | None, now: datetime
) -> int:
    """Sets the customer's region and says what it is now (1 for a region too long)."""
    try:
        changed = await customer_edits.set_region(
            session, customer=customer, region=region, staff_id=None, now=now
        )
    except customer_edits.Refused:
        print(f"A region is at most {customer_edits.REGION_LIMIT} characters.", file=sys.stderr)
        return 1
    state = f"region {customer.region}" if customer.region else "no region"
    print(f"{_describe(customer)} {'now has' if changed else 'already had'} {state}.")
    return 0


def _write(text: str, output: Path | None) -> None:
    """Writes the export to a file or stdout."""
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    print(f"Wrote {output}.", file=sys.stderr)
