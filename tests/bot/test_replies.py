"""Answers leave after the update's transaction commits (bot.replies), and are never lost.

A refused call is dealt with when it is made: an edit becomes a new message, an alert on a
button too old to answer becomes a message. Answers a crash kept from going out after their
update committed are sent when the bot starts again.
"""

from __future__ import annotations

from sqlalchemy import select

from sandbox.models import BadRequest, Timeout
from storage.models import InboxUpdate
from storage.repos import inbox
from tests.bot.customer_steps import press, register, say
from tests.harness import Harness


async def test_an_edit_telegram_refuses_becomes_a_new_message(harness: Harness) -> None:
    user = await register(harness, 3101)
    await say(harness, user, "/language")
    chooser = user.last()
    harness.server.inject(
        "editMessageText", BadRequest("message can't be edited"), chat_id=user.chat_id
    )
    assert await press(harness, user, "简体中文") == "已切换为简体中文。"
    assert user.last().message_id != chooser.message_id  # sent anew, not edited
    assert harness.server.message(user.chat_id, chooser.message_id).text == chooser.text


async def test_a_notice_on_a_button_too_old_to_answer_comes_as_a_message(
    harness: Harness,
) -> None:
    user = await register(harness, 3102)
    harness.server.inject(
        "answerCallbackQuery",
        BadRequest("query is too old and response timeout expired or query ID is invalid"),
    )
    user.press_data("rf:ok", user.last().message_id)  # a stale button
    await harness.settle()
    assert user.texts()[-1] == "This button is no longer valid."


async def test_a_slow_button_answer_does_not_hold_back_the_next_question(
    harness: Harness,
) -> None:
    user = await register(harness, 3104)
    for text in ("/report", "ZX-77", "Chiller C-2", "2025-06-01", "Leaking water"):
        await say(harness, user, text)
    # Telegram is slow to take the button answer and the edit of the pressed prompt (its
    # buttons removed, the answer shown).
    harness.server.inject("answerCallbackQuery", Timeout(0.3))
    harness.server.inject("editMessageText", Timeout(0.3))
    first = len(harness.server.calls)
    question = await press(harness, user, "Continue")
    made = [c.method for c in harness.server.calls[first:] if c.method != "getUpdates"]
    # The next question went out without waiting for them; all three were made.
    assert made[0] == "sendMessage" and "address" in question.lower()
    assert sorted(made) == ["answerCallbackQuery", "editMessageText", "sendMessage"]


async def test_answers_a_crash_kept_from_going_out_are_sent_on_start(harness: Harness) -> None:
    user = await register(harness, 3103)
    before = len(user.texts())
    await harness.stop()
    # The state a crash leaves between the commit of an update and the sending of its answers.
    async with harness.session() as session, session.begin():
        payload = {"update_id": 9_000, "message": {"message_id": 1, "date": 1, "text": "x"}}
        await inbox.store(session, payload=payload, now=harness.clock.now())
        row = await session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == 9_000))
        assert row is not None
        answers = [
            {"endpoint": "sendMessage", "params": {"chat_id": str(user.chat_id), "text": "one"}},
            {"endpoint": "sendMessage", "params": {"chat_id": str(user.chat_id), "text": "two"}},
        ]
        assert await inbox.finish(
            session, inbox_id=row.id, now=harness.clock.now(), replies=answers
        )
    await harness.start()
    await harness.settle()
    assert user.texts()[before:] == ["one", "two"], (before, user.texts())
    async with harness.session() as session:
        assert (
            await session.scalar(select(InboxUpdate.replies).where(InboxUpdate.update_id == 9_000))
            is None
        )
    await harness.restart()
    await harness.settle()
    assert user.texts()[before:] == ["one", "two"]  # sent once, not again
