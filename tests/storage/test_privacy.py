"""Data protection: `aftersales customer export|forget` on data a real dialog stored."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.logs import setup_logging
from core.settings import Settings
from storage.models import Base, Case, CasePhoto, Customer, PersistedState, Product
from tests.cli_support import cli, stamp_head
from tests.factories import make_product
from tests.harness import Harness

PHONE = "+8613800138000"
ADDRESS = "88 Century Ave, Pudong, Shanghai"
DESCRIPTION = "Compressor rattles, error E4"
WORD_TO_THE_DESK = "Please call before coming, gate code 4711"


@pytest.fixture
async def cli_settings(engine: AsyncEngine, db_url_and_schema: tuple[str, str | None]) -> Settings:
    """Settings a CLI command on the (migrated) test database would load."""
    await stamp_head(engine)
    url, schema = db_url_and_schema
    return Settings(_env_file=None, database_url=url, database_schema=schema)


async def step(harness: Harness, user: Any, action: str, value: str = "") -> None:
    """One thing the user does, then waits for the bot."""
    if action == "text":
        user.send_text(value)
    elif action == "press":
        user.press(value)
    elif action == "contact":
        user.send_contact(value)
    elif action == "photo":
        user.send_photo()
    await harness.settle()


async def customer_with_a_case(harness: Harness) -> None:
    """Wang Wei registers and reports a fault with a photo, through the bot."""
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-7001", now=harness.clock.now())
    user = harness.user(1001)
    for action, value in [
        ("text", "/start"),
        ("press", "English"),
        ("text", "Wang Wei"),
        ("contact", PHONE),
        ("text", "ACME Ltd"),
        ("text", "/report"),
        ("text", "SN-7001"),
        ("text", DESCRIPTION),
        ("photo", ""),
        ("press", "Continue"),
        ("text", ADDRESS),
        ("press", "Tomorrow by 18:00"),
        ("press", "Confirm"),
    ]:
        await step(harness, user, action, value)
    assert "Your request is registered as" in user.texts()[-1]
    await step(harness, user, "text", WORD_TO_THE_DESK)  # joins the case's conversation
    assert "Added to your case" in user.texts()[-1]


async def everything_stored(harness: Harness) -> str:
    """Every row of every table, as one text to search."""
    dump: list[Any] = []
    async with harness.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(table.select())
            dump.extend([table.name, *(dict(row._mapping) for row in rows)])
    return json.dumps(dump, default=str, ensure_ascii=False)


async def test_export_holds_everything_about_the_person(
    harness: Harness, cli_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await customer_with_a_case(harness)
    capsys.readouterr()
    assert await cli(cli_settings, "customer", "export", "1001") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["customer"]["name"] == "Wang Wei"
    assert data["customer"]["phone"] == PHONE
    assert data["customer"]["company"] == "ACME Ltd"
    assert [p["serial"] for p in data["products"]] == ["SN-7001"]
    (case,) = data["cases"]
    assert (case["description"], case["address"]) == (DESCRIPTION, ADDRESS)
    assert len(case["photos"]) == 1 and case["events"][0]["action"] == "create"
    assert [m["text"] for m in case["conversation"]] == [WORD_TO_THE_DESK]
    received = json.dumps(data["updates_received"], ensure_ascii=False)
    assert "Wang Wei" in received and PHONE.lstrip("+") in received


async def test_export_of_a_stranger_says_so(
    harness: Harness, cli_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli(cli_settings, "customer", "export", "4242") == 1
    assert "No customer with Telegram id or phone 4242." in capsys.readouterr().err


async def test_forget_needs_confirmation(
    harness: Harness, cli_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await customer_with_a_case(harness)
    assert await cli(cli_settings, "customer", "forget", "1001") == 1
    assert "--yes" in capsys.readouterr().err
    async with harness.session() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_id == 1001))
    assert customer is not None and customer.phone == PHONE


async def test_forget_erases_the_person_and_keeps_anonymous_statistics(
    harness: Harness, cli_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await customer_with_a_case(harness)
    assert await cli(cli_settings, "customer", "forget", "1001", "--yes") == 0
    assert "1 cases kept anonymously" in capsys.readouterr().out

    stored = await everything_stored(harness)
    personal_data = ("Wang Wei", PHONE, PHONE.lstrip("+"), "ACME Ltd", "Century Ave", "E4", "4711")
    for personal in personal_data:
        assert personal not in stored, personal
    async with harness.session() as session:
        customer = await session.scalar(select(Customer))
        case = await session.scalar(select(Case))
        product = await session.scalar(select(Product))
        photos = list(await session.scalars(select(CasePhoto)))
        dialogs = list(await session.scalars(select(PersistedState)))
    assert customer is not None and customer.forgotten_at is not None
    assert (customer.name, customer.phone, customer.company) == (None, None, None)
    assert customer.telegram_id != 1001
    # The statistics survive: the case, its kind, status, warranty and clocks.
    assert case is not None and case.customer_id == customer.id
    assert (case.kind, case.status, case.address) == ("fault", "new", None)
    assert case.created_at is not None and case.onsite_due_at is not None
    assert product is not None and product.serial == "SN-7001"
    assert photos == [] and dialogs == []

    # The person is a stranger now: writing to the bot starts a fresh registration.
    user = harness.user(1001)
    user.send_text("/start")
    await harness.settle()
    assert "Wang Wei" not in user.texts()[-1]
    assert await cli(cli_settings, "customer", "forget", "1001", "--yes") == 1


async def test_phone_and_address_never_reach_the_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    root = logging.getLogger()
    saved = (root.level, root.handlers[:])
    # As an operator debugging a problem would run it: AFTERSALES_LOG_LEVEL=DEBUG.
    setup_logging(Settings(_env_file=None, log_level="DEBUG"))
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    try:
        await customer_with_a_case(harness)
        # A failing statement must not print its parameters either.
        async with harness.session() as session:
            with pytest.raises(DBAPIError) as failure:
                await session.execute(
                    text("INSERT INTO no_such_table (phone) VALUES (:phone)"), {"phone": PHONE}
                )
        logging.getLogger("storage").error("statement failed", exc_info=failure.value)
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        for name in ("httpx", "sqlalchemy", "aiosqlite", "asyncpg", "telegram"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    logged = caplog.text
    assert "case SR-" in logged  # the log is there, only without the personal data
    for personal in (PHONE, PHONE.lstrip("+"), "Century Ave"):
        assert personal not in logged
