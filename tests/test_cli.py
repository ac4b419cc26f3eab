"""The `aftersales` command: run without a token, db upgrade, product import."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from aftersales.cli import main
from storage.db import create_engine, create_session_factory
from storage.models import Product


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


def test_db_upgrade_creates_the_schema(
    bare_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
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


NEEDS_A_DATABASE = (
    ["report", "monthly"],
    ["report", "range", "--from", "2026-11-01", "--to", "2026-11-30"],
    ["staff", "list"],
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
