"""`aftersales db upgrade|downgrade|current`."""

from __future__ import annotations

import argparse
from typing import Any

from aftersales.commands.database import NoDatabase, missing_file, quiet_migrations, refuse
from core.settings import Settings
from storage import migrate
from storage.db import create_engine, describe


def add_parser(subparsers: Any) -> None:
    """Adds the db subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="db_action", required=True)
    actions.add_parser("upgrade", help="create the database or apply pending migrations")
    down = actions.add_parser("downgrade", help="revert to a revision")
    down.add_argument("revision")
    actions.add_parser("current", help="show the current revision")
    parser.set_defaults(handler=run)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the chosen migration action; only `upgrade` may create the database."""
    if args.db_action != "upgrade":
        quiet_migrations()
        problem = missing_file(settings)
        if problem is not None:
            return refuse(NoDatabase(problem))
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        if args.db_action == "upgrade":
            await migrate.upgrade(engine)
        elif args.db_action == "downgrade":
            await migrate.downgrade(engine, args.revision)
        print(f"{describe(settings.database_url)}: {await migrate.current(engine) or 'empty'}")
    finally:
        await engine.dispose()
    return 0
