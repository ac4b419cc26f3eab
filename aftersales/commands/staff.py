"""`aftersales staff invite|add|remove|certify|list`: staff set-up from the command line."""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales.commands.database import NoDatabase, existing_database, refuse
from core.clock import Clock, SystemClock
from core.settings import Settings
from domain.parsing import parse_day
from domain.validation import InputError, normalize_phone
from services import certifications as certs
from services import staff as staff_changes
from services.policy import policy_from
from storage.db import create_session_factory
from storage.repos import people

INVITE_DAYS = 7


def _words(raw: str | None) -> list[str]:
    """Comma-separated words, blanks dropped."""
    return [w.strip() for w in (raw or "").split(",") if w.strip()]


def add_parser(subparsers: Any) -> None:
    """Adds the staff subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser("staff", help="staff members")
    actions = parser.add_subparsers(dest="staff_action", required=True)
    invite = actions.add_parser("invite", help="print a one-time invite deep link")
    invite.add_argument("--role", required=True, choices=people.STAFF_ROLES)
    invite.add_argument(
        "--bot-username",
        help="the bot's @username for the t.me link (default: asked from the bot's token)",
    )
    add = actions.add_parser("add", help="add or update a staff member")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--phone")
    add.add_argument(
        "--roles", required=True, help="comma-separated: " + ",".join(people.STAFF_ROLES)
    )
    add.add_argument("--regions", help="comma-separated regions served")
    add.add_argument("--skills", help="comma-separated product categories")
    add.add_argument("--max-open-jobs", type=int, default=5)
    add.add_argument("--language", choices=("zh_CN", "en"))
    remove = actions.add_parser(
        "remove", help="remove a staff member (or one role); open jobs go back to the queue"
    )
    remove.add_argument("telegram_id", type=int, metavar="ID", help="the member's Telegram id")
    remove.add_argument("--role", choices=people.STAFF_ROLES, help="remove only this role")
    certify = actions.add_parser(
        "certify", help="record (or --revoke) a technician's certificate for a product category"
    )
    certify.add_argument("telegram_id", type=int, metavar="ID", help="the member's Telegram id")
    certify.add_argument("--category", required=True, help="the product category")
    certify.add_argument("--until", help="last valid day, YYYY-MM-DD")
    certify.add_argument("--revoke", action="store_true", help="withdraw the certificate")
    actions.add_parser("list", help="list staff members")
    parser.set_defaults(handler=run)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the chosen staff action against the configured database."""
    try:
        async with existing_database(settings) as engine:
            sessions = create_session_factory(engine)
            if args.staff_action == "invite":
                username, why_not = args.bot_username, None
                if not username:
                    username, why_not = await bot_username(settings)
                print(await create_invite(sessions, role=args.role, bot_username=username))
                if why_not is not None:
                    print(why_not, file=sys.stderr)
                return 0
            if args.staff_action == "add":
                return await add_staff(sessions, settings, args)
            if args.staff_action == "remove":
                return await remove_staff(sessions, settings, args)
            if args.staff_action == "certify":
                return await certify_staff(sessions, args)
            print(await list_staff(sessions))
            return 0
    except NoDatabase as exc:
        return refuse(exc)


async def bot_username(settings: Settings) -> tuple[str | None, str | None]:
    """The bot's username from Telegram (getMe), or None and how to get the link without it."""
    if settings.bot_token is None:
        return None, (
            "No t.me link: AFTERSALES_BOT_TOKEN is not set, so the bot's username is unknown. "
            "Pass --bot-username NAME (the bot's @username from @BotFather) for a link."
        )
    from telegram import Bot  # only the invite asks Telegram anything
    from telegram.error import TelegramError

    base = settings.telegram_base_url.rstrip("/")
    try:
        async with Bot(settings.bot_token.get_secret_value(), base_url=f"{base}/bot") as bot:
            return bot.username, None
    except (TelegramError, OSError) as exc:
        return None, (
            f"No t.me link: could not ask Telegram for the bot's username ({exc}). "
            "Pass --bot-username NAME for a link."
        )


async def create_invite(
    sessions: async_sessionmaker[AsyncSession], *, role: str, bot_username: str | None
) -> str:
    """Stores a one-time invite and returns the text to hand to the new staff member."""
    token = secrets.token_urlsafe(16)
    async with sessions() as session, session.begin():
        invite = await people.create_invite(
            session, token=token, role=role, now=SystemClock().now(), created_by=None
        )
    valid = f"valid until {invite.expires_at:%Y-%m-%d %H:%M} UTC"
    command = f"/start join-{token}"
    if not bot_username:
        return f"One-time invite as {role}, {valid}: the new {role} sends the bot\n{command}"
    link = f"https://t.me/{bot_username.lstrip('@')}?start=join-{token}"
    return f"One-time invite as {role}, {valid}:\n{link}\n(or they send the bot: {command})"


async def add_staff(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, args: argparse.Namespace
) -> int:
    """Adds or updates one staff member; exit code 2 on bad input."""
    roles = _words(args.roles)
    unknown = [r for r in roles if r not in people.STAFF_ROLES]
    if not roles or unknown:
        print(f"Unknown or missing roles: {unknown or roles}", file=sys.stderr)
        return 2
    phone = None
    if args.phone:
        try:
            phone = normalize_phone(args.phone)
        except InputError:
            print(f"Invalid phone number: {args.phone}", file=sys.stderr)
            return 2
    if args.max_open_jobs < 1:
        print("--max-open-jobs must be at least 1", file=sys.stderr)
        return 2
    async with sessions() as session, session.begin():
        staff = await staff_changes.grant(
            session,
            telegram_id=args.telegram_id,
            name=args.name.strip(),
            roles=roles,
            language=args.language or settings.default_language,
            now=SystemClock().now(),
            by=staff_changes.CLI,
            phone=phone,
            regions=_words(args.regions) if args.regions is not None else None,
            skills=_words(args.skills) if args.skills is not None else None,
            max_open_jobs=args.max_open_jobs,
        )
        print(f"Staff #{staff.id} {staff.name}: {staff.roles}")
    return 0


async def remove_staff(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    args: argparse.Namespace,
    clock: Clock | None = None,
) -> int:
    """Removes a staff member or one role; exit code 2 when there is nothing to remove."""
    if args.telegram_id in settings.admin_ids and args.role in (None, "admin"):
        print(
            f"{args.telegram_id} is an admin by AFTERSALES_ADMIN_IDS: remove the id there "
            "and restart (or remove another role with --role).",
            file=sys.stderr,
        )
        return 2
    async with sessions() as session, session.begin():
        staff = await people.get_staff(session, telegram_id=args.telegram_id)
        removed = []
        if staff is not None:
            removed = await staff_changes.remove(
                session,
                staff=staff,
                role=args.role,
                by=staff_changes.CLI,
                now=(clock or SystemClock()).now(),
                route=staff_changes.route_of(settings),
                policy=policy_from(settings),
            )
        if staff is None or not removed:
            held = f" with the role {args.role}" if args.role else ""
            print(f"No active staff member {args.telegram_id}{held}.", file=sys.stderr)
            return 2
        left = staff.roles if staff.active else "none (inactive)"
        print(f"Staff #{staff.id} {staff.name} removed: {','.join(removed)}; roles left: {left}")
    return 0


async def certify_staff(
    sessions: async_sessionmaker[AsyncSession],
    args: argparse.Namespace,
    clock: Clock | None = None,
) -> int:
    """Records or revokes a certificate; exit code 2 on bad input or nothing to revoke."""
    until = parse_day(args.until)
    if args.revoke == (args.until is not None) or (not args.revoke and until is None):
        print("Give --until YYYY-MM-DD (a real day), or --revoke.", file=sys.stderr)
        return 2
    try:
        category = certs.clean_category(args.category)
    except InputError:
        print(f"The category must be 1 to {certs.MAX_CATEGORY} characters.", file=sys.stderr)
        return 2
    async with sessions() as session, session.begin():
        staff = await people.get_staff(session, telegram_id=args.telegram_id)
        if staff is None or not staff.active or "technician" not in staff.role_set:
            print(f"No active technician {args.telegram_id}.", file=sys.stderr)
            return 2
        if args.revoke:
            if not await certs.revoke(
                session, staff=staff, category=category, by=staff_changes.CLI.actor
            ):
                print(f"{staff.name} holds no certificate for {category}.", file=sys.stderr)
                return 2
            print(f"Staff #{staff.id} {staff.name}: certificate for {category} revoked")
            return 0
        assert until is not None
        await certs.certify(
            session, staff=staff, category=category, until=until, by=staff_changes.CLI.actor,
            now=(clock or SystemClock()).now(),
        )  # fmt: skip
        print(f"Staff #{staff.id} {staff.name}: certified for {category} until {until}")
    return 0


async def list_staff(sessions: async_sessionmaker[AsyncSession]) -> str:
    """Every staff member as a table."""
    async with sessions() as session:
        members = await people.list_staff(session)
        loads = await people.open_job_counts(session)
    if not members:
        return "No staff yet."
    header = "id  telegram_id  name  phone  roles  regions  skills  open/max  active"
    rows = [
        f"{s.id}  {s.telegram_id}  {s.name}  {s.phone or '-'}  {s.roles}  "
        f"{s.regions or '-'}  {s.skills or '-'}  {loads.get(s.id, 0)}/{s.max_open_jobs}  "
        f"{'yes' if s.active else 'no'}"
        for s in members
    ]
    return "\n".join([header, *rows])
