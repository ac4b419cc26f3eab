"""Store-before-acknowledge: what was stored and not processed is replayed on start."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.context import AppContext
from sandbox.models import RetryAfter, Timeout
from storage.models import Customer, InboxUpdate
from tests.bot.customer_steps import register, say
from tests.harness import Harness


async def test_unprocessed_updates_are_replayed_after_a_crash(harness: Harness) -> None:
    await harness.stop()  # the process "crashed" after storing updates it had not processed
    start = {
        "update_id": 500,
        "message": {
            "message_id": 1,
            "date": 1_795_000_000,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "chat": {"id": 4242, "type": "private", "first_name": "Ma"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Ma", "language_code": "en"},
        },
    }
    async with harness.session() as session, session.begin():
        from storage.repos import inbox

        await inbox.store(session, payload=start, now=harness.clock.now())
    await harness.start()
    await harness.settle()
    user = harness.user(4242, "Ma")
    assert "choose your language" in user.texts()[-1]
    async with harness.session() as session:
        row = await session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == 500))
    assert row is not None and row.processed_at is not None and row.error is None


async def test_a_failing_handler_saves_nothing_and_tells_the_user(harness: Harness) -> None:
    assert harness.runtime is not None
    from bot.handlers import customer

    original = customer.help_command

    async def broken(update: object, context: AppContext) -> None:
        # Half the work is written and answered, then the handler fails: none of it may stay.
        await context.bot.send_message(4343, "Your case is saved.")
        assert context.user_data is not None
        context.user_data["draft"] = {"description": "half"}
        context.session.add(
            Customer(telegram_id=4343, language="en", created_at=harness.clock.now())
        )
        await context.session.flush()
        raise RuntimeError("boom")

    handler = next(
        h
        for h in harness.runtime.application.handlers[0]
        if getattr(h, "callback", None) is original
    )
    handler.callback = broken
    user = harness.user(4343)
    user.send_text("/help")
    await harness.settle()
    assert user.texts() == ["Sorry, something went wrong and nothing was saved. Please try again."]
    async with harness.session() as session:
        row = await session.scalar(select(InboxUpdate).order_by(InboxUpdate.id.desc()))
        assert row is not None and row.error == "handler failed"
        assert await session.scalar(select(Customer)) is None
    assert "draft" not in harness.runtime.application.user_data.get(4343, {})


@pytest.mark.long
async def test_an_update_for_a_busy_chat_is_taken_up_when_that_chat_is_done(
    harness: Harness,
) -> None:
    """Reading the inbox again is left to the chats that received updates while busy.

    The pump's periodic look is pushed out of reach, and another chat stays busy throughout,
    so only that rule can bring the second update of a busy chat in.
    """
    assert harness.runtime is not None
    pump = harness.runtime.pump
    slow, busy = await register(harness, 3201), await register(harness, 3202)
    for user in (slow, busy):
        await say(harness, user, "/language")
    pump.poll_interval = 3600
    pump.wake()
    answered = len(harness.server.calls_to("answerCallbackQuery"))
    # Telegram takes long to accept the button answers: each chat stays busy until then.
    harness.server.inject("answerCallbackQuery", Timeout(3.0))  # the busy chat's
    done = "Language set to English."
    before = busy.texts().count(done)
    busy.press("English")
    await _until(lambda: busy.texts().count(done) > before)
    harness.server.inject("answerCallbackQuery", Timeout(0.3))  # the slow chat's
    slow.press("English")
    await _until(lambda: slow.texts().count(done) > before)
    slow.send_text("/help")  # arrives while the slow chat waits for its button answer
    await _until(lambda: "/report" in slow.texts()[-1])
    # Answered before the other chat was done (its button answer is still on its way).
    assert len(harness.server.calls_to("answerCallbackQuery")) == answered + 1
    await harness.settle()
    assert len(harness.server.calls_to("answerCallbackQuery")) == answered + 2


async def test_chats_finishing_together_leave_the_pump_idle(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last chat to finish wakes the pump, also when the others end in the same instant.

    Found on PostgreSQL, where chats run at once: each chat ending counted the tasks not yet
    discarded, so when two ended together neither was last, and the pump slept until its
    periodic look (a second in production). Here that look is out of reach, and the chats are
    held until all are done, so they end together.
    """
    assert harness.runtime is not None
    pump = harness.runtime.pump
    users = [await register(harness, 3301 + index) for index in range(3)]
    pump.poll_interval = 3600
    pump.wake()
    original = pump.process
    done: list[int] = []
    together = asyncio.Event()

    async def held(row: InboxUpdate) -> None:
        await original(row)
        done.append(row.update_id)
        if len(done) == len(users):
            together.set()
        await together.wait()

    monkeypatch.setattr(pump, "process", held)
    for user in users:
        user.send_text("/help")
    await harness.settle()
    assert len(done) == len(users)
    assert all("/report" in user.texts()[-1] for user in users)


async def _until(condition: Callable[[], bool], checks: int = 500) -> None:
    """Waits (without settling the pump) until what users see satisfies a condition."""
    for _ in range(checks):  # the server records calls as they come; it has no event to wait on
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("what users see never got there")


async def test_answers_of_a_quiet_moment_are_marked_sent_without_another_update(
    harness: Harness,
) -> None:
    """Marked within about FORGET_EVERY, so a crash then does not send them a second time.

    The marks ride along with the next update's transaction; with none coming, the pump marked
    them only at its periodic look (a second in production; out of reach here), and a crash
    before it sent that second's answers again when the bot came back.
    """
    assert harness.runtime is not None
    pump = harness.runtime.pump
    user = await register(harness, 3311)  # its answers were marked: the last mark was just now
    pump.poll_interval = 3600
    pump.wake()
    user.send_text("/help")
    await harness.settle()
    assert "/report" in user.texts()[-1]
    assert await _all_marked(harness), "the answers to /help are still unmarked 5 s later"


async def _all_marked(harness: Harness, update_id: int | None = None, within: float = 5.0) -> bool:
    """Waits up to `within` seconds until every processed update's answers (or one update's)
    are marked sent; whether they were. A mark is due FORGET_EVERY (0.5 s) after the last one."""
    unmarked = InboxUpdate.replies.is_not(None) | InboxUpdate.processed_at.is_(None)
    if update_id is not None:
        unmarked &= InboxUpdate.update_id == update_id
    for _ in range(int(within / 0.05)):
        async with harness.session() as session:
            left = list(await session.scalars(select(InboxUpdate.update_id).where(unmarked)))
        if not left:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_an_answer_sent_on_a_retry_is_marked_without_another_update(
    harness: Harness,
) -> None:
    """An answer Telegram asked us to send later goes out from the retrier, not from the chat's
    work: the pump woke for its mark only at its next periodic look (a second in production;
    out of reach here), and until then a crash would have sent it again."""
    assert harness.runtime is not None
    pump = harness.runtime.pump
    user = await register(harness, 3321)
    pump.poll_interval = 3600
    pump.wake()
    await pump.close()  # marks what went out so far, as at shutdown: nothing waits to be marked
    harness.server.inject("sendMessage", RetryAfter(5), chat_id=user.chat_id)
    shown = len(user.texts())
    user.send_text("/help")
    await harness.settle()
    assert len(user.texts()) == shown  # Telegram said: in 5 s
    harness.advance(timedelta(seconds=5))
    await pump.answers.drain()
    assert len(user.texts()) == shown + 1 and "/report" in user.texts()[-1]
    assert await _all_marked(harness, within=1.5)
