"""The `aftersales` command: run without a token, db upgrade, product import."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from aftersales.cli import main
from storage.db import create_engine, create_session_factory
from storage.models import Product


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment with an SQLite file of its own."""
    for name in list(__import__("os").environ):
        if name.startswith("AFTERSALES_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "cli.db"
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    return database


def _products(database: Path) -> list[Product]:
    async def load() -> list[Product]:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        async with create_session_factory(engine)() as session:
            rows = list(await session.scalars(select(Product).order_by(Product.serial)))
        await engine.dispose()
        return rows

    return asyncio.run(load())


def test_run_without_a_token_explains_what_to_do(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "AFTERSALES_BOT_TOKEN is not set" in err and "@BotFather" in err


def test_db_upgrade_creates_the_schema(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip().endswith(": 0001")
    assert main(["db", "current"]) == 0


def test_import_reports_bad_lines_and_upserts_the_rest(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "products.csv"
    csv_file.write_text(
        "serial,model,category,customer_phone,customer_company,purchase_date,installation_date,warranty_end\n"
        "SN-1,AC-9000,hvac,13800138000,ACME,2026-01-10,,2027-01-10\n"
        "bad serial!,AC-9000,hvac,,,,,2027-01-10\n"
        "SN-2,Boiler 空气能,heating,,上海某公司,2026-02-01,2026-02-03,2026-01-01\n"
        "SN-3,,hvac,,,,,2027-01-10\n"
        "SN-4,AC-9000,hvac,12345,,,,not-a-date\n"
        "SN-1,AC-9100,hvac,,,,,2028-01-10\n",
        encoding="utf-8",
    )
    assert main(["import", "products", str(csv_file)]) == 1
    captured = capsys.readouterr()
    assert "line 3: serial: invalid serial 'bad serial!'" in captured.err
    assert "line 4: warranty_end: ends before the purchase date" in captured.err
    assert "line 5: model: missing" in captured.err
    assert "line 6: customer_phone: invalid phone number" in captured.err
    assert "line 6: warranty_end: not a date" in captured.err
    assert "line 7: serial: duplicate of line 2" in captured.err
    assert "Imported 1 products" in captured.out
    [product] = _products(env)
    assert (product.serial, product.owner_phone, product.owner_company) == (
        "SN-1",
        "+8613800138000",
        "ACME",
    )
    # A second file updates the existing serial and adds a new one.
    csv_file.write_text(
        "serial,model,warranty_end\nSN-1,AC-9100,2028-01-10\nSN-5,Chiller,2027-05-01\n",
        encoding="utf-8",
    )
    assert main(["import", "products", str(csv_file)]) == 0
    products = _products(env)
    assert [(p.serial, p.model, str(p.warranty_end)) for p in products] == [
        ("SN-1", "AC-9100", "2028-01-10"),
        ("SN-5", "Chiller", "2027-05-01"),
    ]


def test_import_of_a_missing_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "products", "nope.csv"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_api_keys_are_printed_once_listed_without_the_key_and_revoked(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api-key", "create", "--name", "erp", "--scopes", "cases:read,bogus"]) == 2
    assert "bogus" in capsys.readouterr().err
    assert main(["api-key", "create", "--name", "erp", "--scopes", "cases:read,cases:write"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("as_") and len(key) > 40
    assert main(["api-key", "create", "--name", "erp", "--scopes", "cases:read"]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["api-key", "list"]) == 0
    listing = capsys.readouterr().out
    assert "erp" in listing and "cases:read,cases:write" in listing and key not in listing
    assert main(["api-key", "revoke", "erp"]) == 0
    assert main(["api-key", "revoke", "erp"]) == 1


def test_webhooks_are_added_listed_tested_and_removed(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://127.0.0.1:9/hooks"
    assert main(["webhook", "add", "--url", url, "--events", "case.created,case.lost"]) == 2
    assert "case.lost" in capsys.readouterr().err
    assert main(["webhook", "add", "--url", "ftp://x", "--events", "case.created"]) == 2
    capsys.readouterr()
    assert main(["webhook", "add", "--url", url, "--events", "case.created"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("whsec_")
    assert main(["webhook", "list"]) == 0
    assert url in capsys.readouterr().out
    assert main(["webhook", "test", "1"]) == 0
    assert main(["webhook", "log"]) == 0
    assert "webhook.test  pending" in capsys.readouterr().out
    assert main(["webhook", "remove", "1"]) == 0
    assert main(["webhook", "remove", "1"]) == 1
    assert main(["webhook", "test", "1"]) == 1
