"""Numbers typed in chat that Python's int() would choke on get the usual answer, not an error."""

from __future__ import annotations

from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import accepted_job, check_in, harness
from tests.factories import make_staff
from tests.harness import Harness

__all__ = ["harness"]

ADMIN = 9101


async def test_outbox_retry_with_a_superscript_or_huge_id_shows_the_usage(
    harness: Harness,
) -> None:
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=ADMIN, roles=["admin"], now=harness.clock.now())
    admin = harness.user(ADMIN)
    for typed in ("/outbox retry ²", "/outbox retry ٣", "/outbox retry 0"):
        assert (await say(harness, admin, typed)).startswith("Send /outbox to see"), typed
    answer = await say(harness, admin, "/outbox retry 99999999999999999999")
    assert answer.startswith("Send /outbox to see")
    assert "went wrong" not in answer


async def test_a_part_quantity_in_superscript_is_asked_again(harness: Harness) -> None:
    _, tech = await accepted_job(harness)
    await check_in(harness, tech)
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Report")
    await say(harness, tech, "Replaced the start relay and tested.")
    answer = await say(harness, tech, "Start relay, ², 35.50")
    assert answer.startswith("Please send a part as: name, quantity, unit price")
    answer = await say(harness, tech, "Start relay, 2, 35.50")
    assert "Start relay × 2 @ ¥35.50" in answer
