"""The outbox sender against injected Bot API faults: delivered once or dead, delays honoured."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta

from sqlalchemy import select

from core.messages import Message
from sandbox.botapi import BotApiServer
from sandbox.models import RetryAfter, ServerError, Timeout
from storage.models import OutboxMessage
from storage.repos import outbox
from tests.harness import BOT_ID, TOKEN, Harness
from tests.scheduler.conftest import MakeHarness
from tests.scheduler.steps import ADMIN, staff

USER = 5001
OTHER = 5002


async def queue(harness: Harness, chat_id: int, *numbers: int) -> None:
    """Queues one message per number to a chat (a catalog text carrying the number)."""
    async with harness.session() as session, session.begin():
        for number in numbers:
            await outbox.enqueue(
                session,
                chat_id=chat_id,
                message=Message("scheduler.outbox.requeued", {"id": number}),
                language="en",
                dedupe_key=f"test:{chat_id}:{number}",
                now=harness.clock.now(),
            )


async def rows(harness: Harness, chat_id: int) -> list[OutboxMessage]:
    """The outbox rows of a chat."""
    async with harness.session() as session:
        return await outbox.messages_for(session, chat_id=chat_id)


def received(harness: Harness, chat_id: int) -> list[str]:
    """What a chat received."""
    return harness.user(chat_id).texts()


async def test_retry_after_is_honoured_and_other_chats_go_on(harness: Harness) -> None:
    harness.server.inject("sendMessage", RetryAfter(2), chat_id=USER)
    await queue(harness, USER, 1)
    await queue(harness, OTHER, 2)
    await harness.runtime.sender.drain()  # type: ignore[union-attr]
    assert received(harness, USER) == []
    assert received(harness, OTHER) == ["Message #2 is queued again."]
    [row] = await rows(harness, USER)
    assert (row.status, row.attempts) == ("pending", 0)  # a flood wait is not an attempt
    harness.advance(timedelta(seconds=1))
    await harness.runtime.sender.drain()  # type: ignore[union-attr]
    assert received(harness, USER) == []
    harness.advance(timedelta(seconds=1))
    await harness.runtime.sender.drain()  # type: ignore[union-attr]
    await harness.runtime.sender.drain()  # type: ignore[union-attr]
    assert received(harness, USER) == ["Message #1 is queued again."]
    [row] = await rows(harness, USER)
    assert row.status == "sent" and row.sent_at == harness.clock.now()


async def test_server_errors_are_retried_with_backoff_and_delivered_once(
    harness: Harness,
) -> None:
    harness.server.inject("sendMessage", ServerError(500), times=2, chat_id=USER)
    await queue(harness, USER, 1)
    await harness.tick()
    [row] = await rows(harness, USER)
    assert row.status == "pending" and row.attempts == 1
    first_wait = row.not_before - harness.clock.now()
    assert timedelta(seconds=2) <= first_wait <= timedelta(seconds=3)
    harness.advance(first_wait - timedelta(milliseconds=10))
    await harness.tick()
    assert (await rows(harness, USER))[0].attempts == 1  # not before its time
    harness.advance(timedelta(milliseconds=10))
    await harness.tick()
    [row] = await rows(harness, USER)
    second_wait = row.not_before - harness.clock.now()
    assert row.attempts == 2 and timedelta(seconds=4) <= second_wait <= timedelta(seconds=6)
    harness.advance(second_wait)
    await harness.tick()
    await harness.tick()
    assert received(harness, USER) == ["Message #1 is queued again."]
    assert len([c for c in harness.server.calls_to("sendMessage") if c.ok]) == 1


async def test_a_row_that_keeps_failing_dies_and_the_admins_are_told(harness: Harness) -> None:
    await staff(harness)
    harness.server.inject("sendMessage", ServerError(502), times=100, chat_id=USER)
    await queue(harness, USER, 1)
    for _ in range(10):
        await harness.tick()
        harness.advance(timedelta(hours=2))
    [row] = await rows(harness, USER)
    assert row.status == "dead" and row.attempts == 8
    assert row.last_error is not None and "after 8 attempts" in row.last_error
    notices = [t for t in received(harness, ADMIN) if "could not be delivered" in t]
    assert len(notices) == 1 and f"to chat {USER}" in notices[0]


async def test_blocked_user_is_dead_at_once_and_admin_can_see_and_requeue(
    harness: Harness,
) -> None:
    await staff(harness)
    harness.server.block(USER)
    await queue(harness, USER, 1)
    await harness.tick()
    [row] = await rows(harness, USER)
    assert row.status == "dead" and row.attempts == 1
    assert row.last_error is not None and row.last_error.startswith("Forbidden")
    admin = harness.user(ADMIN)
    assert "could not be delivered: Forbidden" in admin.texts()[-1]

    stranger = harness.user(OTHER)
    stranger.send_text("/outbox")
    await harness.settle()
    assert stranger.texts()[-1] == "This is not available to you."

    admin.send_text("/outbox")
    await harness.settle()
    listing = admin.texts()[-1]
    assert "1 undeliverable" in listing
    assert f"#{row.id} → {USER} [scheduler.outbox.requeued]" in listing
    assert "bot was blocked by the user" in listing

    admin.send_text("/outbox retry x")
    await harness.settle()
    assert admin.texts()[-1].startswith("Send /outbox to see")
    harness.server.unblock(USER)
    admin.send_text(f"/outbox retry {row.id}")
    await harness.settle()
    assert admin.texts()[-1] == f"Message #{row.id} is queued again."
    assert received(harness, USER) == ["Message #1 is queued again."]
    admin.send_text(f"/outbox retry {row.id}")
    await harness.settle()
    assert admin.texts()[-1] == f"Message #{row.id} is not an undeliverable message."


async def test_a_dead_admin_chat_does_not_loop(harness: Harness) -> None:
    await staff(harness)
    harness.server.block(USER)
    harness.server.block(ADMIN)
    await queue(harness, USER, 1)
    for _ in range(3):
        await harness.tick()
    async with harness.session() as session:
        statuses = list(await session.scalars(select(OutboxMessage.status)))
    assert statuses == ["dead", "dead"]  # the message and the one notice about it


async def test_a_timed_out_send_is_never_sent_again(make_harness: MakeHarness) -> None:
    harness = await make_harness(outbox_send_timeout_seconds=0.1)
    harness.server.inject("sendMessage", Timeout(0.3), chat_id=USER)
    await queue(harness, USER, 1)
    for _ in range(3):
        await harness.tick()
        harness.advance(timedelta(hours=1))
    [row] = await rows(harness, USER)
    assert row.status == "dead" and row.last_error is not None
    assert row.last_error.startswith("delivery unknown")
    assert len(harness.server.calls_to("sendMessage")) <= 1  # asked once, answered late


async def test_sending_resumes_after_a_restart(harness: Harness) -> None:
    await queue(harness, USER, 1)
    await harness.tick()
    await queue(harness, USER, 2)
    await queue(harness, OTHER, 3)
    async with harness.session() as session, session.begin():
        # A sender that died mid-send left its lease on this row.
        await outbox.claim(
            session,
            message_id=(await rows(harness, OTHER))[0].id,
            now=harness.clock.now(),
            lease=timedelta(minutes=2),
        )
    await harness.restart()
    await harness.tick()
    assert received(harness, OTHER) == []  # the lease still runs
    harness.advance(timedelta(minutes=2))
    await harness.tick()
    assert received(harness, USER) == [
        "Message #1 is queued again.",
        "Message #2 is queued again.",
    ]
    # The row in flight at the crash may have been delivered: never resent, left to an admin.
    assert received(harness, OTHER) == []
    [stale] = await rows(harness, OTHER)
    assert stale.status == "dead" and (stale.last_error or "").startswith("delivery unknown")


async def test_pacing_keeps_telegrams_limits_without_any_429(make_harness: MakeHarness) -> None:
    # Real time: the sandbox counts like Telegram.
    server = BotApiServer(token=TOKEN, bot_id=BOT_ID, enforce_limits=True)
    harness = await make_harness(
        server,
        outbox_chat_interval_seconds=1.0,
        outbox_global_per_second=30.0,
        outbox_group_per_minute=20,
    )
    await queue(harness, USER, 1, 2, 3)
    await queue(harness, -100, 4, 5)
    await queue(harness, OTHER, 6)
    started = time.monotonic()
    await harness.tick()
    elapsed = time.monotonic() - started
    assert server.rate_limited_count == 0
    assert len(received(harness, USER)) == 3
    assert len(server.messages(-100)) == 2 and len(received(harness, OTHER)) == 1
    # Three to one chat need two one-second gaps; the sandbox would have answered 429 otherwise.
    assert elapsed >= 2.0
    times = [c.at for c in server.calls_to("sendMessage") if c.params.get("chat_id") == USER]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
