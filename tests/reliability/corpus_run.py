"""Sending the bad-input corpus (corpus.json) at a dialog step, and what every step must show.

Shared by the customer steps (test_bad_input.py) and the staff, job, survey and complaint
steps (test_bad_input_work.py). A step's people are brought to it, the step's share of the
corpus is dealt out among them and sent at once; then: no unhandled error (nothing logged at
ERROR, no inbox row marked failed), an answer to every input in the person's language,
nothing of another person shown, and another person's rows untouched.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sandbox.users import SandboxUser
from storage.models import InboxUpdate
from tests.harness import Harness
from tests.sampling import corpus_shares

CORPUS = json.loads((Path(__file__).with_name("corpus.json")).read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = CORPUS["entries"]
KINDS = {"text", "command", "media", "photo", "contact", "location", "raw", "edit", "callback"}
USERS_PER_STEP = 6
# Every entry at every step takes minutes; by default each step gets a sixth of the corpus
# (rotating, so each of the 48 steps meets about 50 entries and each entry about 8 steps of
# every kind; on PostgreSQL a twelfth, tests/sampling.py). The full cross product:
# AFTERSALES_FULL_CORPUS=1.
SHARES = 1 if os.environ.get("AFTERSALES_FULL_CORPUS") == "1" else corpus_shares(6)
OTHER_ID = 99_001
SECRETS = ("Secret Other Person", "+8613911112222", "OTHER-SECRET-DESCRIPTION", "7 Hidden Lane")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn"}
# Steps are reached by callback data and commands, so the scripts do not depend on labels.
Script = list[tuple[str, str]]


@dataclass
class Person:
    """One simulated user at a step and what the test knows about them."""

    user: SandboxUser
    chinese: bool
    ids: dict[str, int | str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    seen: int = 0
    update_ids: list[int] = field(default_factory=list)


# What a step makes for one person: (session, user id, Chinese?, now) -> the ids it created.
Setup = Callable[[AsyncSession, int, bool, datetime], Awaitable[dict[str, int | str]]]


async def make_people(harness: Harness, base: int, setup: Setup) -> list[Person]:
    """USERS_PER_STEP people from user id `base` on, English and Chinese in turn, each with
    the rows `setup` makes for them, all in one transaction."""
    now = harness.clock.now()
    made: list[Person] = []
    async with harness.session() as session, session.begin():
        for n in range(USERS_PER_STEP):
            uid = base + n
            chinese = n % 2 == 1
            person = Person(
                harness.user(uid, first_name="Li", language_code="zh" if chinese else "en"),
                chinese,
            )
            person.ids.update(await setup(session, uid, chinese, now))
            made.append(person)
    return made


class _Ids(dict[str, Any]):
    """Template values; an id the step does not have is 0 (no such row)."""

    def __missing__(self, key: str) -> int:
        return 0


def fill(template: str, person: Person, world: dict[str, int | str]) -> str:
    """Callback data or a command with the person's and the other person's ids filled in."""
    values = _Ids(world)
    values.update(person.ids)
    values.update(uid=person.user.user_id, lang="zh_CN" if person.chinese else "en")
    return template.format_map(values)


def last_message_id(user: SandboxUser) -> int:
    """The bot's newest message in the chat (1 if it sent none)."""
    inbox = [m for m in user.inbox() if not m.deleted]
    return inbox[-1].message_id if inbox else 1


async def walk(
    harness: Harness, people: list[Person], script: Script, world: dict[str, int | str]
) -> None:
    """Brings everyone to the step, one action at a time, all together."""
    for kind, value in script:
        for person in people:
            user = person.user
            if kind == "text":
                user.send_text(fill(value, person, world))
            elif kind == "data":
                user.press_data(fill(value, person, world), last_message_id(user))
            elif kind == "contact":
                user.send_contact(f"+86138{user.user_id % 100_000_000:08d}")
            elif kind == "location":
                user.send_location(31.23, 121.47)
        await harness.settle()


def send(
    harness: Harness, person: Person, entry: dict[str, Any], world: dict[str, int | str]
) -> list[int]:
    """Sends one corpus entry as the person; returns the update ids it produced."""
    user = person.user
    kind, value = entry["kind"], entry["value"]
    if kind == "text":
        return [user.send_text(value)]
    if kind == "command":
        return [user.send_text(fill(value, person, world))]
    if kind == "media":
        return [user.send_media(value)]
    if kind == "photo":
        return [user.send_photo(b"\x89PNG bad input", caption=value or None)]
    if kind == "contact":
        if value == "own":
            return [user.send_contact(f"+86138{user.user_id % 100_000_000:08d}")]
        if value == "other":
            return [user.send_contact(SECRETS[1], user_id=OTHER_ID)]
        return [user.send_contact("+000")]
    if kind == "location":
        return [user.send_location(*value)]
    if kind == "raw":
        return [user._send(user.user, value)]
    if kind == "edit":
        ids = []
        mine = [
            p["message"]["message_id"]
            for p in harness._payloads.values()
            if "message" in p
            and p["message"]["chat"]["id"] == user.chat_id
            and "text" in p["message"]
        ]
        if not mine:
            ids.append(user.send_text("hello"))
            mine = [harness.last_update_payload()["message"]["message_id"]]
        ids.append(user.edit_text(mine[-1], value))
        return ids
    if kind == "callback":
        data = fill(value, person, world)
        if data.endswith("@stale"):
            return [user.press_data(data.removesuffix("@stale"), 999_999)]
        return [user.press_data(data, last_message_id(user))]
    raise AssertionError(f"unknown corpus kind {kind}")


def share(step_index: int) -> list[dict[str, Any]]:
    """A step's share of the entries: those no step accepts first, then text."""

    def rank(entry: dict[str, Any]) -> int:
        return {"media": 0, "raw": 1, "edit": 2, "callback": 3, "location": 4}.get(
            entry["kind"], 5
        )

    dealt = [
        entry
        for index, entry in enumerate(e for e in ENTRIES if e["kind"] != "webhook")
        if (index + step_index) % SHARES == 0
    ]
    return sorted(dealt, key=rank)


def in_language(text: str, chinese: bool) -> bool:
    """Whether a reply is written in the person's language (its own words, not echoes)."""
    if chinese:
        return bool(CJK.search(text))
    words = unicodedata.normalize("NFC", text)
    return bool(LATIN.search(words)) and not CJK.match(words.strip())


def clean(value: str | None) -> bool:
    """No control, format or private-use characters (what typed-text checks strip)."""
    return value is None or all(
        ch in "\n\t" or unicodedata.category(ch) not in INVISIBLE for ch in value
    )


def _describe(record: logging.LogRecord) -> str:
    """An error record as 'message: exception at the innermost project frame'."""
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        frames = traceback.extract_tb(error.__traceback__)
        ours = [f for f in frames if "/site-packages/" not in f.filename]
        where = f" at {ours[-1].filename.rsplit('/', 2)[-2:]}:{ours[-1].lineno}" if ours else ""
        text += f": {type(error).__name__}: {error}{where}"
    return text


def no_errors(caplog: pytest.LogCaptureFixture, what: str) -> None:
    """Nothing was logged at ERROR."""
    errors = [_describe(r) for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, (what, sorted(set(errors)))


async def send_share(
    harness: Harness,
    name: str,
    step_index: int,
    people: list[Person],
    world: dict[str, int | str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Deals the step's share of the corpus out among its people, sends it, checks answers."""
    no_errors(caplog, f"{name}: setup")
    for person in people:
        person.seen = len(person.user.inbox())
    for index, entry in enumerate(share(step_index)):
        person = people[index % len(people)]
        person.update_ids += send(harness, person, entry, world)
        person.inputs.append(entry["id"])
    await harness.settle()

    no_errors(caplog, name)
    async with harness.session() as session:
        failed = list(
            await session.scalars(
                select(InboxUpdate).where(
                    (InboxUpdate.error.is_not(None)) | (InboxUpdate.processed_at.is_(None))
                )
            )
        )
    assert failed == [], [(r.update_id, r.error) for r in failed]
    for person in people:
        user = person.user
        replies = [m.text or "" for m in user.inbox()[person.seen :]]
        answers = [
            answer
            for update_id in person.update_ids
            if (answer := harness.server.callback_answer(update_id)) is not None
        ]
        notices = [str(a["text"]) for a in answers if a.get("text")]
        said = replies + notices
        context = f"{name}, {'zh' if person.chinese else 'en'}: {person.inputs}"
        # An answer to each input: a message, or the pressed button answered (with a notice,
        # or silently when the message it belongs to was changed instead).
        assert len(replies) + len(answers) >= len(person.inputs), (context, said)
        for text in said:
            assert in_language(text, person.chinese), (context, text)
            assert "went wrong" not in text and "出错" not in text, (context, text)
            for secret in SECRETS:
                assert secret not in text, (context, text)
