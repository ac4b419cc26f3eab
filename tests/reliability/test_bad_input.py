"""The bad-input corpus (corpus.json) through every dialog step of the real bot.

For each step, a few customers (English and Chinese) are brought to it; the corpus is dealt
out among them and sent at once. Expected: no unhandled error (nothing logged at ERROR, no
inbox row marked failed), an answer to every input in the user's language, nothing of
another customer shown, nothing half-saved. An input that happens to be acceptable moves
that customer on, so later inputs of theirs land on a later step: the corpus is ordered
with the inputs no step accepts first.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Case, Customer, InboxUpdate, Product
from tests.factories import make_case, make_customer, make_product
from tests.harness import Harness
from web.sandbox.users import SandboxUser

CORPUS = json.loads((Path(__file__).with_name("corpus.json")).read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = CORPUS["entries"]
USERS_PER_STEP = 6
# Every entry at every step takes minutes; by default each step gets a third of the corpus
# (rotating, so each entry still meets about six steps of every kind). The full cross product:
# AFTERSALES_FULL_CORPUS=1.
SHARES = 1 if os.environ.get("AFTERSALES_FULL_CORPUS") == "1" else 3
OTHER_ID = 99_001
SECRETS = ("Secret Other Person", "+8613911112222", "OTHER-SECRET-DESCRIPTION", "7 Hidden Lane")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
# Steps are reached by callback data, so the scripts do not depend on button labels.
Script = list[tuple[str, str]]


@dataclass(frozen=True)
class Step:
    """A dialog step: who the customers are and what they do to get there."""

    name: str
    registered: bool
    with_product: bool
    script: Script = field(default_factory=list)


_REPORT: Script = [("text", "/report"), ("data", "rf:p:{product}")]
STEPS = (
    Step("idle", True, True),
    Step("new-user", False, False),
    Step("reg-language", False, False, [("text", "/start")]),
    Step("reg-name", False, False, [("text", "/start"), ("data", "lang:{lang}")]),
    Step(
        "reg-phone",
        False,
        False,
        [("text", "/start"), ("data", "lang:{lang}"), ("text", "Wang Wei")],
    ),
    Step(
        "reg-company",
        False,
        False,
        [("text", "/start"), ("data", "lang:{lang}"), ("text", "Wang Wei"), ("contact", "")],
    ),
    Step("rf-product", True, True, [("text", "/report")]),
    Step("rf-serial", True, False, [("text", "/report")]),
    Step("rf-model", True, False, [("text", "/report"), ("text", "ZZ-NEW-{uid}")]),
    Step(
        "rf-purchase",
        True,
        False,
        [("text", "/report"), ("text", "ZZ-NEW-{uid}"), ("text", "Model X")],
    ),
    Step("rf-describe", True, True, _REPORT),
    Step(
        "rf-address",
        True,
        True,
        [*_REPORT, ("text", "It rattles"), ("data", "rf:cont")],
    ),
    Step(
        "rf-address-detail",
        True,
        True,
        [*_REPORT, ("text", "It rattles"), ("data", "rf:cont"), ("location", "")],
    ),
    Step(
        "rf-deadline",
        True,
        True,
        [*_REPORT, ("text", "It rattles"), ("data", "rf:cont"), ("text", "1 Main Road")],
    ),
    Step(
        "rf-pick-day",
        True,
        True,
        [
            *_REPORT,
            ("text", "It rattles"),
            ("data", "rf:cont"),
            ("text", "1 Main Road"),
            ("data", "rf:d:pick"),
        ],
    ),
    Step(
        "rf-confirm",
        True,
        True,
        [
            *_REPORT,
            ("text", "It rattles"),
            ("data", "rf:cont"),
            ("text", "1 Main Road"),
            ("data", "rf:d:tomorrow"),
        ],
    ),
    Step("pr-serial", True, False, [("text", "/products"), ("data", "pr:add")]),
)


@dataclass
class Customer_:
    """One simulated customer and what the test knows about them."""

    user: SandboxUser
    chinese: bool
    product_id: int | None = None
    case_id: int | None = None
    inputs: list[str] = field(default_factory=list)
    seen: int = 0
    update_ids: list[int] = field(default_factory=list)


async def _world(harness: Harness) -> dict[str, int]:
    """Another customer with a product and a case, whose details must never leak."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        other = await make_customer(
            session, telegram_id=OTHER_ID, now=now, name=SECRETS[0], phone=SECRETS[1]
        )
        product = await make_product(session, serial="SN-OTHER-1", now=now, customer=other)
        case = await make_case(
            session, customer=other, now=now, product=product, description=SECRETS[2]
        )
        case.address = SECRETS[3]
    return {"other_case": case.id, "other_product": product.id}


async def _customers(harness: Harness, step: Step, base: int) -> list[Customer_]:
    """The step's customers, registered (and owning a product and a case) as the step needs."""
    now = harness.clock.now()
    made: list[Customer_] = []
    async with harness.session() as session, session.begin():
        for n in range(USERS_PER_STEP):
            uid = base + n
            chinese = n % 2 == 1
            entry = Customer_(
                harness.user(uid, first_name="Li", language_code="zh" if chinese else "en"),
                chinese,
            )
            if step.registered:
                customer = await make_customer(
                    session, telegram_id=uid, now=now, language="zh_CN" if chinese else "en"
                )
                if step.with_product:
                    product = await make_product(
                        session, serial=f"SN-BAD-{uid}", now=now, customer=customer
                    )
                    case = await make_case(session, customer=customer, now=now, product=product)
                    entry.product_id, entry.case_id = product.id, case.id
            made.append(entry)
    return made


def _fill(template: str, customer: Customer_, world: dict[str, int]) -> str:
    """Callback data or text with the customer's and the other customer's ids filled in."""
    return template.format(
        uid=customer.user.user_id,
        lang="zh_CN" if customer.chinese else "en",
        product=customer.product_id or 0,
        own_case=customer.case_id or 0,
        **world,
    )


def _last_message_id(user: SandboxUser) -> int:
    """The bot's newest message in the chat (1 if it sent none)."""
    inbox = [m for m in user.inbox() if not m.deleted]
    return inbox[-1].message_id if inbox else 1


async def _walk(harness: Harness, customers: list[Customer_], script: Script) -> None:
    """Brings every customer to the step, one action at a time, all customers together."""
    for kind, value in script:
        for customer in customers:
            user = customer.user
            if kind == "text":
                user.send_text(_fill(value, customer, {}))
            elif kind == "data":
                user.press_data(_fill(value, customer, {}), _last_message_id(user))
            elif kind == "contact":
                user.send_contact(f"+86138{user.user_id % 100_000_000:08d}")
            elif kind == "location":
                user.send_location(31.23, 121.47)
        await harness.settle()


def _send(harness: Harness, customer: Customer_, entry: dict[str, Any], world: dict[str, int]):
    """Sends one corpus entry as the customer; returns the update ids it produced."""
    user = customer.user
    kind, value = entry["kind"], entry["value"]
    if kind == "text":
        return [user.send_text(value)]
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
        data = _fill(value, customer, world)
        if data.endswith("@stale"):
            return [user.press_data(data.removesuffix("@stale"), 999_999)]
        return [user.press_data(data, _last_message_id(user))]
    raise AssertionError(f"unknown corpus kind {kind}")


def _ordered(step_index: int) -> list[dict[str, Any]]:
    """This step's share of the entries: those no step accepts first, then text."""

    def rank(entry: dict[str, Any]) -> int:
        return {"media": 0, "raw": 1, "edit": 2, "callback": 3, "location": 4}.get(
            entry["kind"], 5
        )

    share = [
        entry
        for index, entry in enumerate(e for e in ENTRIES if e["kind"] != "webhook")
        if (index + step_index) % SHARES == 0
    ]
    return sorted(share, key=rank)


def _in_language(text: str, chinese: bool) -> bool:
    """Whether a reply is written in the customer's language (its own words, not echoes)."""
    if chinese:
        return bool(CJK.search(text))
    words = unicodedata.normalize("NFC", text)
    return bool(LATIN.search(words)) and not CJK.match(words.strip())


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


def test_corpus_is_large_and_well_formed() -> None:
    assert len(ENTRIES) >= 200
    dealt = [e["id"] for i in range(len(STEPS)) for e in _ordered(i)]
    assert set(dealt) == {e["id"] for e in ENTRIES if e["kind"] != "webhook"}
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)
    kinds = {e["kind"] for e in ENTRIES}
    assert kinds == {
        "text", "media", "photo", "contact", "location", "raw", "edit", "callback", "webhook"
    }  # fmt: skip


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
async def test_every_bad_input_at_every_step(
    harness: Harness, step: Step, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    world = await _world(harness)
    customers = await _customers(harness, step, 70_000 + STEPS.index(step) * 100)
    await _walk(harness, customers, step.script)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "setup failed"
    for customer in customers:
        customer.seen = len(customer.user.inbox())
    for index, entry in enumerate(_ordered(STEPS.index(step))):
        customer = customers[index % len(customers)]
        customer.update_ids += _send(harness, customer, entry, world)
        customer.inputs.append(entry["id"])
    await harness.settle()

    errors = [_describe(r) for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, sorted(set(errors))
    async with harness.session() as session:
        failed = list(
            await session.scalars(
                select(InboxUpdate).where(
                    (InboxUpdate.error.is_not(None)) | (InboxUpdate.processed_at.is_(None))
                )
            )
        )
    assert failed == [], [(r.update_id, r.error) for r in failed]
    for customer in customers:
        user = customer.user
        replies = [m.text or "" for m in user.inbox()[customer.seen :]]
        answers = [
            answer
            for update_id in customer.update_ids
            if (answer := harness.server.callback_answer(update_id)) is not None
        ]
        notices = [str(a["text"]) for a in answers if a.get("text")]
        said = replies + notices
        context = f"{step.name}, {'zh' if customer.chinese else 'en'}: {customer.inputs}"
        # An answer to each input: a message, or the pressed button answered (with a notice,
        # or silently when the message it belongs to was changed instead).
        assert len(replies) + len(answers) >= len(customer.inputs), (context, said)
        for text in said:
            assert _in_language(text, customer.chinese), (context, text)
            assert "went wrong" not in text and "出错" not in text, (context, text)
            for secret in SECRETS:
                assert secret not in text, (context, text)
    await _assert_nothing_half_saved(harness, world)


async def _assert_nothing_half_saved(harness: Harness, world: dict[str, int]) -> None:
    """Stored rows are whole and clean; the other customer's rows are untouched."""
    async with harness.session() as session:
        cases = list(await session.scalars(select(Case)))
        customers = list(await session.scalars(select(Customer)))
        products = list(await session.scalars(select(Product)))
    invisible = {"Cc", "Cf", "Co", "Cs", "Cn"}

    def clean(value: str | None) -> bool:
        return value is None or all(
            ch in "\n\t" or unicodedata.category(ch) not in invisible for ch in value
        )

    for case in cases:
        assert case.description and len(case.description) <= 2000 and clean(case.description)
        assert clean(case.address) and len(case.address or "") <= 300
    for customer in customers:
        if customer.registered_at is not None:
            assert customer.name and customer.phone, customer.telegram_id
        assert clean(customer.name) and clean(customer.company)
    for product in products:
        assert product.serial and product.model and clean(product.model)
    other = next(c for c in cases if c.id == world["other_case"])
    assert other.status == "new" and other.description == SECRETS[2]
    owner = next(p for p in products if p.id == world["other_product"])
    assert owner.customer_id == other.customer_id
