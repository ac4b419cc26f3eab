"""The `aftersales` command: run without a token, db upgrade, product import."""

from __future__ import annotations

import ast
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from aftersales.cli import main
from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from storage.db import create_engine, create_session_factory
from storage.models import Product
from tests.bot.dispatch_steps import closed_job
from tests.harness import Harness


@pytest.fixture
def bare_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment whose SQLite file does not exist yet."""
    for name in list(__import__("os").environ):
        if name.startswith("AFTERSALES_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "cli.db"
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    return database


@pytest.fixture
def env(bare_env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A clean environment with an SQLite file of its own, created as an operator does."""
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    return bare_env


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


def test_db_upgrade_creates_the_schema(bare_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert bare_env.is_file()
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


async def _job_closed_in_chat(database: Path) -> None:
    """A fault reported, worked and confirmed through the chat, stored in the CLI's database."""
    clock = ManualClock()
    server = BotApiServer(now=lambda: clock.now().timestamp())
    await server.start()
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    harness = Harness(server, engine, clock)
    try:
        await harness.start()
        await closed_job(harness, parts=("Start relay, 2, 35.50",))
    finally:
        await harness.stop()
        await engine.dispose()
        await server.stop()


async def test_monthly_report_shows_costs_in_currency_not_cents(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_DEFAULT_LANGUAGE", "en")
    # The database as an operator has it (migrated by the CLI), a job done through the chat.
    assert await asyncio.to_thread(main, ["db", "upgrade"]) == 0
    await _job_closed_in_chat(env)
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


NEEDS_A_DATABASE = (
    ["report", "monthly"],
    ["report", "range", "--from", "2026-11-01", "--to", "2026-11-30"],
    ["staff", "list"],
    ["staff", "remove", "5"],
    ["case", "pdf", "SR-20261123-0001", "--out", "report.pdf"],
    ["api-key", "list"],
    ["webhook", "list"],
    ["staff", "invite", "--role", "technician"],
    ["staff", "add", "--telegram-id", "5", "--name", "Li", "--roles", "technician"],
    ["customer", "export", "+8613800138000"],
    ["customer", "forget", "700001", "--yes"],
    ["import", "products", "products.csv"],
    ["db", "current"],
    ["db", "downgrade", "base"],
)


@pytest.mark.parametrize("argv", NEEDS_A_DATABASE, ids=" ".join)
def test_a_command_never_creates_a_missing_database(
    argv: list[str], bare_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = bare_env
    Path("products.csv").write_text("serial,model,warranty_end\nSN-1,AC,2027-01-01\n")
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"No database at {env}: run `aftersales db upgrade` first (or `aftersales run`), "
        "or point AFTERSALES_DATABASE_URL at the existing one.\n"
    )
    assert captured.out == ""
    assert not env.exists()


@pytest.mark.parametrize("argv", NEEDS_A_DATABASE[:-2], ids=" ".join)
def test_a_command_on_a_database_never_migrated_says_to_upgrade(
    argv: list[str], bare_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = bare_env
    Path("products.csv").write_text("serial,model,warranty_end\nSN-1,AC,2027-01-01\n")
    sqlite3.connect(env).close()  # an empty file, as a stray connection leaves it
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"The database sqlite+aiosqlite:///{env} has no tables yet: "
        "run `aftersales db upgrade` first.\n"
    )


@pytest.mark.long
def test_commands_print_no_migration_log_lines(tmp_path: Path) -> None:
    """The real command: `db upgrade` creates the database; later commands log nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    env["AFTERSALES_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env["PYTHONPATH"] = str(Path(__file__).parent.parent)

    def aftersales(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aftersales.cli", *argv],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    assert aftersales("db", "upgrade").returncode == 0
    for argv in (["staff", "list"], ["report", "monthly"], ["db", "current"]):
        done = aftersales(*argv)
        assert (done.returncode, done.stderr) == (0, ""), argv
    assert aftersales("staff", "list").stdout == "No staff yet.\n"


def test_backup_to_a_missing_folder_says_so_in_one_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", "no-such-folder/copy.db"]) == 1
    captured = capsys.readouterr()
    assert captured.err == ("Backup failed: there is no folder no-such-folder; create it first.\n")
    assert main(["backup", "copy.db"]) == 0


async def test_case_pdf_writes_the_report_of_a_case_done_in_chat(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio.to_thread(main, ["db", "upgrade"]) == 0
    await _job_closed_in_chat(env)
    capsys.readouterr()
    out = tmp_path / "report.pdf"

    def pdf(*args: str) -> int:
        return main(["case", "pdf", *args])

    argv = ("sr-20261123-0001", "--out", str(out), "--language", "zh_CN")
    assert await asyncio.to_thread(pdf, *argv) == 0
    assert "Wrote" in capsys.readouterr().out
    text = "\n".join(page.extract_text() for page in PdfReader(str(out)).pages)
    assert "售后服务报告单 SR-20261123-0001" in text and "¥71.00" in text
    assert await asyncio.to_thread(pdf, "SR-20990101-0001", "--out", str(out)) == 1
    assert "No case SR-20990101-0001" in capsys.readouterr().err
    assert await asyncio.to_thread(pdf, "SR-20261123-0001", "--out", "/nowhere/x.pdf") == 1
    assert "No such folder" in capsys.readouterr().err


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


def _loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of the modules a fresh interpreter has loaded after running the code."""
    probe = f"import sys; {code}; print(sorted(m for m in {modules!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return list(ast.literal_eval(done.stdout.strip()))


def test_the_command_line_loads_the_bot_only_for_the_commands_that_run_it() -> None:
    """`aftersales staff list` and the like start without importing the bot and its handlers,
    nor Telegram's library or the PDF's (imported by the commands that use them)."""
    unneeded = ("aftersales.runtime", "bot.app", "aftersales.demo", "telegram", "fpdf")
    code = "from aftersales.cli import build_parser; build_parser()"
    assert _loaded_after(code, unneeded) == []


def test_the_bot_starts_without_the_pdf_library() -> None:
    """`aftersales run` loads fpdf2 and fontTools with the first report it makes, not at start
    (a quarter of a second of every start, and of every bot process the tests run)."""
    assert _loaded_after("import aftersales.runtime", ("fpdf", "fontTools")) == []
