"""A PostgreSQL restart (the server ends every session of the bot) costs no customer an error."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from storage.db import application_name, create_engine
from tests.conftest import PG_URL, USE_PG
from tests.harness import Harness
from tests.world import World

pytestmark = pytest.mark.skipif(not USE_PG, reason="PostgreSQL only: SQLite has no server")


async def _restart(schema: str) -> int:
    """What a restart does to the bot: the server ends each of its sessions; returns how many."""
    admin = create_engine(PG_URL)
    try:
        async with admin.connect() as conn:
            pids = list(
                await conn.scalars(
                    text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": application_name(schema)},
                )
            )
            await conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:p AS int[])) AS pid"),
                {"p": pids},
            )
            # The server has ended them all (the bot hears of it as it would after a restart);
            # each look in a transaction of its own, as the activity view is kept per transaction.
            while True:
                await conn.commit()
                left = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(CAST(:p AS int[]))"
                    ),
                    {"p": pids},
                )
                if not left:
                    break
    finally:
        await admin.dispose()
    return len(pids)


async def test_after_a_restart_the_next_customer_gets_an_answer_not_an_error(
    harness: Harness,
    world: World,
    db_url_and_schema: tuple[str, str | None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await world.customer(9101)
    _url, schema = db_url_and_schema
    assert schema is not None
    assert await _restart(schema) > 0  # the bot's idle connections, at least
    caplog.clear()
    user.send_text("/help")
    await harness.settle()
    assert user.texts()[-1].startswith("What I can do for you"), user.texts()[-1]
    # And the next update reads the customer's cases as well.
    user.send_text("/cases")
    await harness.settle()
    assert user.texts()[-1].startswith("You have no service cases yet"), user.texts()[-1]
    assert "Sorry, something went wrong" not in "\n".join(user.texts())
    # Nothing failed on the way (a closed connection taken from the pool fails its statement:
    # storing the update would have been retried a second later, or the update answered with
    # an error).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
