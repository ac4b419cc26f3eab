"""Developer helpers that are not part of the running product."""

from __future__ import annotations

from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import alembic_config


async def regenerate(engine: AsyncEngine) -> None:
    """Autogenerates the initial migration against an empty database."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.revision(
                alembic_config(sync), message="initial schema", autogenerate=True, rev_id="0001"
            )
        )
    await engine.dispose()
