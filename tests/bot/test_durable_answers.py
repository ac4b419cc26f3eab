"""Answers Telegram could not take at once arrive later, in order; no other chat waits for them.

The retries follow the injected clock (bot.answers): a test moves time past the wait and lets
the retrier run, instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from sandbox.models import RetryAfter, ServerError
from sandbox.users import SandboxUser
from storage.models import InboxUpdate, OutboxMessage
from tests.bot.customer_steps import fill_report, press, register, say
from tests.factories import make_product, make_staff
from tests.harness import Harness

ADMIN = 3904


async def retry_due(harness: Harness, after: timedelta) -> None:
    """Moves time on and lets the waiting answers that came due go out."""
    assert harness.runtime is not None
    harness.advance(after)
    await harness.runtime.pump.answers.drain()


async def until(condition: Callable[[], bool], within: float = 5.0) -> float:
    """Real seconds until the condition held (what a user waits); fails after `within`."""
    started = time.monotonic()
    for _ in range(int(within / 0.01)):
        if condition():
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {within}s")


async def ready_to_confirm(harness: Harness, user_id: int) -> SandboxUser:
    """A registered customer at the last step of a fault report."""
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-1001", now=harness.clock.now())
    user = await register(harness, user_id)
    await fill_report(harness, user)
    await press(harness, user, "Tomorrow by 18:00")
    return user


async def test_a_confirmation_telegram_failed_once_arrives_with_its_case_number(
    harness: Harness,
) -> None:
    user = await ready_to_confirm(harness, 3901)
    harness.server.inject("sendMessage", ServerError(500), chat_id=user.chat_id)
    await press(harness, user, "Confirm")
    assert not any("registered as" in text for text in user.texts())
    await retry_due(harness, timedelta(seconds=1))
    assert not any("registered as" in text for text in user.texts())  # backoff: 2-3 s
    await retry_due(harness, timedelta(seconds=3))
    confirmations = [text for text in user.texts() if "registered as" in text]
    assert len(confirmations) == 1 and "SR-20261123-0001" in confirmations[0]
    async with harness.session() as session:
        failed = select(InboxUpdate.id).where(InboxUpdate.error.is_not(None))
        assert await session.scalar(failed) is None


async def test_flood_waits_are_honoured_and_later_answers_keep_their_order(
    harness: Harness,
) -> None:
    user = await ready_to_confirm(harness, 3902)
    harness.server.inject("sendMessage", RetryAfter(5), times=2, chat_id=user.chat_id)
    await press(harness, user, "Confirm")
    await say(harness, user, "/help")  # its answer waits behind the confirmation
    assert not any("registered as" in text for text in user.texts())
    await retry_due(harness, timedelta(seconds=4))
    assert not any("registered as" in text for text in user.texts())  # 5 s asked for
    await retry_due(harness, timedelta(seconds=1))  # the second 429: 5 s more
    assert not any("registered as" in text for text in user.texts())
    await retry_due(harness, timedelta(seconds=5))
    *_, confirmation, help_answer = user.texts()
    assert "registered as SR-20261123-0001" in confirmation
    other = harness.user(3903)
    assert help_answer == await say(harness, other, "/help")


async def test_an_answer_is_given_up_after_its_attempts_and_the_admins_are_told(
    harness: Harness,
) -> None:
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=ADMIN, roles=["admin"], now=harness.clock.now())
    user = harness.user(3905)
    attempts = harness.runtime.settings.outbox_max_attempts  # type: ignore[union-attr]
    harness.server.inject("sendMessage", ServerError(502), times=attempts, chat_id=user.chat_id)
    user.send_text("/help")
    await harness.settle()
    for _ in range(attempts):
        await retry_due(harness, timedelta(hours=2))
    assert user.texts() == []
    await harness.tick()  # the outbox sender delivers the notice
    [notice] = harness.user(ADMIN).texts()
    assert f"answer to chat {user.chat_id} could not be delivered" in notice
    assert f"after {attempts} attempt(s)" in notice
    async with harness.session() as session:
        assert await session.scalar(select(InboxUpdate.replies)) is None
        assert len(list(await session.scalars(select(OutboxMessage)))) == 1
    # The chat works again: its next answer is not stuck behind the one given up.
    assert await say(harness, user, "/help")


async def test_chats_in_a_flood_wait_keep_no_other_chat_waiting(harness: Harness) -> None:
    slow = [harness.user(4000 + index) for index in range(17)]
    for user in slow:
        harness.server.inject("sendMessage", RetryAfter(20), chat_id=user.chat_id)
        user.send_text("/help")

    # The slow chats' answers were refused (at least as many as the pump works at once).
    def refused() -> int:
        return sum(1 for call in harness.server.calls_to("sendMessage") if not call.ok)

    assert await until(lambda: refused() >= 16) < 5, "the slow chats were not answered"
    other = harness.user(4100)
    other.send_text("/help")
    answered_in = await until(lambda: bool(other.texts()))
    assert answered_in < 1.0, f"answered after {answered_in:.2f}s"
    print(f"\n17 chats in a flood wait: another chat answered in {answered_in:.3f}s")
    await harness.settle()
    assert all(user.texts() == [] for user in slow)
    await retry_due(harness, timedelta(seconds=20))  # the wait Telegram asked for, not slept
    assert all(user.texts() == other.texts() for user in slow)
