"""Running `aftersales ...` commands in a test's own event loop, on the test database."""

from __future__ import annotations

from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.cli import build_parser
from core.settings import Settings
from storage import migrate


async def cli(settings: Settings, *argv: str) -> int:
    """Runs one `aftersales ...` command in this event loop, as main() would."""
    args = build_parser().parse_args(argv)
    return int(await args.handler(settings, args))


async def stamp_head(engine: AsyncEngine) -> None:
    """Marks the test schema as migrated: conftest builds it from the models, which is what
    the head revision builds (tests/storage/test_migrations.py), and commands refuse a
    database that was never migrated."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.stamp(migrate.alembic_config(sync), "head"))
