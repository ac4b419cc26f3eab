"""`aftersales api-key create|list|revoke`: keys of the integrations to /api/v1."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales.commands.database import on_existing_database
from core.clock import SystemClock
from core.settings import Settings
from services.api_keys import SCOPES, KeyRefused, issue
from storage.repos import api_keys


def add_parser(subparsers: Any) -> None:
    """Adds the api-key subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser("api-key", help="keys to /api/v1")
    actions = parser.add_subparsers(dest="key_action", required=True)
    create = actions.add_parser("create", help="make a key and print it (shown only once)")
    create.add_argument("--name", required=True, help="who uses it, e.g. erp (a-z, 0-9, _.-)")
    create.add_argument("--scopes", required=True, help="comma-separated: " + ",".join(SCOPES))
    actions.add_parser("list", help="list keys (never the keys themselves)")
    revoke = actions.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    parser.set_defaults(handler=run)


async def create_key(
    sessions: async_sessionmaker[AsyncSession], *, name: str, scopes: str, now: datetime
) -> str:
    """Issues a key; it is returned (and printed) only this once."""
    async with sessions() as session, session.begin():
        return await issue(session, name=name, scopes=scopes.split(","), now=now)


async def list_keys(sessions: async_sessionmaker[AsyncSession]) -> str:
    """Every key as a table: name, start of the key, scopes, created, last used, revoked."""
    async with sessions() as session:
        rows = await api_keys.list_keys(session)
    if not rows:
        return "No API keys yet."

    def moment(value: datetime | None) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value else "-"

    lines = ["name  key  scopes  created  last_used  revoked"]
    lines += [
        f"{k.name}  {k.prefix}…  {k.scopes}  {moment(k.created_at)}  "
        f"{moment(k.last_used_at)}  {moment(k.revoked_at)}"
        for k in rows
    ]
    return "\n".join(lines)


async def revoke_key(
    sessions: async_sessionmaker[AsyncSession], *, name: str, now: datetime
) -> bool:
    """Revokes a key; False if no live key has this name."""
    async with sessions() as session, session.begin():
        return await api_keys.revoke_key(session, name=name, now=now)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the chosen action against the configured database."""
    return await on_existing_database(settings, lambda sessions: _act(sessions, args))


async def _act(sessions: async_sessionmaker[AsyncSession], args: argparse.Namespace) -> int:
    """Runs the chosen action on the migrated database."""
    now = SystemClock().now()
    if args.key_action == "create":
        try:
            key = await create_key(sessions, name=args.name, scopes=args.scopes, now=now)
        except KeyRefused as problem:
            print(problem, file=sys.stderr)
            return 2
        print(f"API key {args.name!r} ({args.scopes}); it is shown only this once:")
        print(key)
        return 0
    if args.key_action == "revoke":
        if not await revoke_key(sessions, name=args.name, now=now):
            print(f"No live key named {args.name!r}.", file=sys.stderr)
            return 1
        print(f"Revoked {args.name!r}.")
        return 0
    print(await list_keys(sessions))
    return 0
