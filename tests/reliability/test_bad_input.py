"""The bad-input corpus (corpus.json) through every dialog step of the real bot.

For each customer step, a few customers (English and Chinese) are brought to it; the corpus is
dealt out among them and sent at once (tests/reliability/corpus_run.py). Expected: no
unhandled error (nothing logged at ERROR, no inbox row marked failed), an answer to every
input in the user's language, nothing of another customer shown or changed, nothing
half-saved. An input that happens to be acceptable moves that customer on, so later inputs
of theirs land on a later step: the corpus is ordered with the inputs no step accepts first.
The staff, job, survey and complaint steps are in test_bad_input_work.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Customer, Product
from tests.factories import make_case, make_customer, make_product
from tests.harness import Harness
from tests.reliability.corpus_run import (
    ENTRIES,
    KINDS,
    Person,
    Script,
    clean,
    make_people,
    send_share,
    share,
    walk,
)
from tests.reliability.corpus_world import assert_whole, make_world, world_state


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


async def _customers(harness: Harness, step: Step, base: int) -> list[Person]:
    """The step's customers, registered (and owning a product and a case) as the step needs."""

    async def setup(
        session: AsyncSession, uid: int, chinese: bool, now: datetime
    ) -> dict[str, int | str]:
        if not step.registered:
            return {}
        customer = await make_customer(
            session, telegram_id=uid, now=now, language="zh_CN" if chinese else "en"
        )
        if not step.with_product:
            return {}
        product = await make_product(session, serial=f"SN-BAD-{uid}", now=now, customer=customer)
        case = await make_case(session, customer=customer, now=now, product=product)
        return {"product": product.id, "own_case": case.id, "own_number": case.number}

    return await make_people(harness, base, setup)


def test_corpus_is_large_and_well_formed() -> None:
    assert len(ENTRIES) >= 200
    dealt = [e["id"] for i in range(len(STEPS)) for e in share(i)]
    assert set(dealt) == {e["id"] for e in ENTRIES if e["kind"] != "webhook"}
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)
    assert {e["kind"] for e in ENTRIES} == KINDS | {"webhook"}


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
async def test_every_bad_input_at_every_step(
    harness: Harness, step: Step, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    world = await make_world(harness)
    customers = await _customers(harness, step, 70_000 + STEPS.index(step) * 100)
    await walk(harness, customers, step.script, world)
    before = await world_state(harness, world)
    await send_share(harness, step.name, STEPS.index(step), customers, world, caplog)
    await _assert_nothing_half_saved(harness)
    await assert_whole(harness)
    assert await world_state(harness, world) == before


async def _assert_nothing_half_saved(harness: Harness) -> None:
    """Stored customers, products and cases are whole and clean."""
    async with harness.session() as session:
        cases = list(await session.scalars(select(Case)))
        customers = list(await session.scalars(select(Customer)))
        products = list(await session.scalars(select(Product)))
    for case in cases:
        assert case.description and len(case.description) <= 2000 and clean(case.description)
        assert clean(case.address) and len(case.address or "") <= 300
    for customer in customers:
        if customer.registered_at is not None:
            assert customer.name and customer.phone, customer.telegram_id
        assert clean(customer.name) and clean(customer.company)
    for product in products:
        assert product.serial and product.model and clean(product.model)
