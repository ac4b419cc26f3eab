"""`aftersales customer` and `aftersales staff invite` on a database people have used."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from sandbox.botapi import BotApiServer
from tests.bot.test_register import register
from tests.cli_support import cli, stamp_head
from tests.harness import Harness


@pytest.fixture
async def settings(
    engine: AsyncEngine,
    db_url_and_schema: tuple[str, str | None],
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """What a command loads from the environment; the test database counts as migrated."""
    await stamp_head(engine)
    url, schema = db_url_and_schema
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", url)
    if schema:
        monkeypatch.setenv("AFTERSALES_DATABASE_SCHEMA", schema)
    for name in ("AFTERSALES_BOT_TOKEN", "AFTERSALES_TELEGRAM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None)


async def test_customer_export_by_phone_and_a_list_when_several_match(
    harness: Harness, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await register(harness, 1001, name="Wang Wei", phone="+8613800138000", company="ACME")
    await register(harness, 1002, name="Li Na", phone="+8613900139000", company=None)
    # Typed the way people write it down: no country code, spaces.
    assert await cli(settings, "customer", "export", "139 0013 9000") == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["customer"]["telegram_id"] == 1002
    assert exported["customer"]["name"] == "Li Na"
    assert await cli(settings, "customer", "export", "1001") == 0
    assert json.loads(capsys.readouterr().out)["customer"]["name"] == "Wang Wei"

    # A second Telegram account registers with the same phone: the command lists both.
    await register(harness, 1003, name="Wang Wei (work)", phone="+8613800138000")
    assert await cli(settings, "customer", "export", "+8613800138000") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "2 customers match +8613800138000; run again with one Telegram id:",
        "  Telegram id 1001 (Wang Wei, ACME, +8613800138000)",
        "  Telegram id 1003 (Wang Wei (work), ACME, +8613800138000)",
    ]
    assert await cli(settings, "customer", "export", "+8613700137000") == 1
    assert capsys.readouterr().err == "No customer with Telegram id or phone +8613700137000.\n"
    assert await cli(settings, "customer", "forget", "139 0013 9000") == 1
    assert "Telegram id 1002 (Li Na, +8613900139000)" in capsys.readouterr().err


async def test_staff_invite_takes_the_username_from_the_bot(
    botapi: BotApiServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await cli(settings, "staff", "invite", "--role", "technician") == 0
    captured = capsys.readouterr()
    assert "https://t.me/" not in captured.out
    assert "the new technician sends the bot\n/start join-" in captured.out
    assert captured.err == (
        "No t.me link: AFTERSALES_BOT_TOKEN is not set, so the bot's username is unknown. "
        "Pass --bot-username NAME (the bot's @username from @BotFather) for a link.\n"
    )

    monkeypatch.setenv("AFTERSALES_BOT_TOKEN", botapi.token)
    monkeypatch.setenv("AFTERSALES_TELEGRAM_BASE_URL", botapi.base_url)
    assert await cli(Settings(_env_file=None), "staff", "invite", "--role", "dispatcher") == 0
    captured = capsys.readouterr()
    assert "https://t.me/aftersales_bot?start=join-" in captured.out
    assert captured.err == ""
    assert any(call.method == "getMe" for call in botapi.calls)
