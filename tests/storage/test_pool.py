"""`aftersales run` opens the database pool at start, not during the first busy minute."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import fill_pool


async def test_the_pool_is_filled_at_start(engine: AsyncEngine) -> None:
    await engine.dispose()  # whatever the fixture opened is closed (in a new, empty pool)
    pool = engine.sync_engine.pool
    assert pool.checkedin() == 0  # type: ignore[attr-defined]
    opened = await fill_pool(engine)
    assert opened == pool.size() > 1  # type: ignore[attr-defined]
    # Every connection is open and back in the pool, ready for the first customers.
    assert pool.checkedin() == opened  # type: ignore[attr-defined]
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
