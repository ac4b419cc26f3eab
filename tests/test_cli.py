"""The `aftersales` command: run without a token, db upgrade, product import."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from aftersales.cli import main
from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from storage.db import create_engine, create_session_factory
from storage.models import Product
from tests.bot.dispatch_steps import closed_job
from tests.harness import Harness


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


async def test_monthly_report_shows_costs_in_currency_not_cents(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_DEFAULT_LANGUAGE", "en")
    # The database as an operator has it (migrated by the CLI), a job done through the chat.
    assert await asyncio.to_thread(main, ["db", "upgrade"]) == 0
    clock = ManualClock()
    server = BotApiServer(now=lambda: clock.now().timestamp())
    await server.start()
    engine = create_engine(f"sqlite+aiosqlite:///{env}")
    harness = Harness(server, engine, clock)
    try:
        await harness.start()
        await closed_job(harness, parts=("Start relay, 2, 35.50",))
    finally:
        await harness.stop()
        await engine.dispose()
        await server.stop()
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["report", "monthly", "--month", "2026-11"]) == 0
    out = capsys.readouterr().out
    # Parts 2 × 35.50 and travel 20.00, under warranty: 91.00 per case everywhere.
    assert re.search(r"^Cost per case +¥91\.00 ", out, re.MULTILINE), out
    technician = next(line for line in out.splitlines() if line.split("\t")[1:2] == ["Tech An"])
    assert technician.split("\t")[-1] == "¥91.00"
    category = next(line for line in out.splitlines() if line.startswith("hvac\t"))
    assert category.split("\t")[-1] == "¥91.00"
    # The department's currency (AFTERSALES_CURRENCY) is the one every amount is shown in.
    for currency, shown in (("USD", "$91.00"), ("EUR", "€91.00")):
        monkeypatch.setenv("AFTERSALES_CURRENCY", currency)
        assert await asyncio.to_thread(main, ["report", "monthly", "--month", "2026-11"]) == 0
        out = capsys.readouterr().out
        assert re.search(rf"^Cost per case +{re.escape(shown)} ", out, re.MULTILINE), out
        assert "¥" not in out


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_import_reads_excel_files_in_chinese_encodings_and_slashed_dates(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    # Excel on Chinese Windows saves CSV as GBK (GB18030) and writes dates as 2026/03/01.
    csv_file = tmp_path / "products.csv"
    csv_file.write_bytes(
        "serial,model,category,customer_company,purchase_date,warranty_end\n"
        "SN-1,空气能热水器,热泵,上海某某机电有限公司,2026/03/01,2028/3/1\n".encode(encoding)
    )
    assert main(["import", "products", str(csv_file)]) == 0, capsys.readouterr().err
    [product] = _products(env)
    assert (product.model, product.category, product.owner_company) == (
        "空气能热水器", "热泵", "上海某某机电有限公司",
    )  # fmt: skip
    assert (str(product.purchase_date), str(product.warranty_end)) == ("2026-03-01", "2028-03-01")


def test_import_with_a_named_encoding_and_an_unreadable_file(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "products.csv"
    csv_file.write_bytes("serial,model,warranty_end\nSN-7,冷水机,2027-01-01\n".encode("big5"))
    assert main(["import", "products", "--encoding", "big5", str(csv_file)]) == 0
    assert [p.model for p in _products(env)] == ["冷水机"]
    assert main(["import", "products", "--encoding", "klingon", str(csv_file)]) == 2
    assert "Unknown encoding: klingon" in capsys.readouterr().err
    csv_file.write_bytes(b"serial,model,warranty_end\nSN-8,\x81\x20\xff,2027-01-01\n")
    assert main(["import", "products", str(csv_file)]) == 2
    err = capsys.readouterr().err
    assert "neither UTF-8 nor GB18030" in err and "--encoding" in err
    assert "Traceback" not in err
