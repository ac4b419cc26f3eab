"""Structured logs: JSON lines with update id and case number, no phone numbers or tokens."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from core.logs import build_handler, log_context
from core.settings import Settings
from tests.factories import make_case, make_customer
from tests.harness import Harness

TOKEN = "123456:TEST-secret_Token"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Root logging through the product's handler in JSON, into a buffer."""
    stream = io.StringIO()
    settings = Settings(_env_file=None, log_format="json", bot_token=TOKEN)
    handler = build_handler(settings, stream)
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    """The JSON objects written so far."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_context_and_mask_phones_and_tokens(captured: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    with log_context(update_id=4711):
        log.info("customer +86 138 0013 8000 / 13900139000 called %s", f"bot{TOKEN}/getMe")
        try:
            raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/sendMessage failed")
        except RuntimeError:
            log.exception("send failed")
    log.info("case %s moved", "SR-20261123-0042", extra={"case": "SR-20261123-0042"})
    first, second, third = lines(captured)
    assert first["update_id"] == 4711 and second["update_id"] == 4711
    assert first["message"] == "customer <phone> / <phone> called bot<token>/getMe"
    assert TOKEN not in str(second["error"]) and "<token>" in str(second["error"])
    assert third["case"] == "SR-20261123-0042" and "update_id" not in third
    assert third["message"] == "case SR-20261123-0042 moved"  # case numbers are not phones


async def test_case_lines_name_the_case(harness: Harness, captured: io.StringIO) -> None:
    async with harness.session() as session, session.begin():
        customer = await make_customer(session, telegram_id=4001, now=harness.clock.now())
        case = await make_case(session, customer=customer, now=harness.clock.now())
    mine = [
        line for line in lines(captured) if str(line["message"]).startswith(f"case {case.number}")
    ]
    assert mine and all(line["case"] == case.number for line in mine)
    assert "+8613800138000" not in captured.getvalue()
