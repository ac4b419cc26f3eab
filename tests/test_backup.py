"""`aftersales backup` and `aftersales restore`: online SQLite copies, verified restores."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aftersales.cli import build_parser
from core.settings import Settings
from storage.backup import pg_dump_command
from storage.models import Customer
from tests.bot.test_register import register
from tests.cli_support import cli
from tests.conftest import USE_PG
from tests.harness import Harness

sqlite_only = pytest.mark.skipif(USE_PG, reason="SQLite file backups; PostgreSQL uses pg_dump")


@pytest.fixture
def cli_settings(db_url_and_schema: tuple[str, str | None]) -> Settings:
    """Settings a CLI command on the test database would load."""
    url, schema = db_url_and_schema
    return Settings(_env_file=None, database_url=url, database_schema=schema)


async def customers(harness: Harness) -> int:
    """How many customers are stored."""
    async with harness.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Customer)) or 0)


@sqlite_only
async def test_backup_while_running_then_restore_after_stopping(
    harness: Harness, cli_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await register(harness, 1001)
    backup = tmp_path / "nightly.db"
    assert await cli(cli_settings, "backup", str(backup)) == 0
    assert "Backed up" in capsys.readouterr().out

    await register(harness, 1002, name="Li Na")
    assert await customers(harness) == 2

    # The bot still has the database open: a restore would pull it from under it.
    assert await cli(cli_settings, "restore", str(backup)) == 1
    assert "in use" in capsys.readouterr().err
    assert await customers(harness) == 2

    await harness.stop()
    await harness.engine.dispose()
    assert await cli(cli_settings, "restore", str(backup)) == 0
    assert "Restored" in capsys.readouterr().out

    await harness.start()
    assert await customers(harness) == 1
    user = harness.user(1001)
    user.send_text("/start")
    await harness.settle()
    assert "Wang Wei" in user.texts()[-1]


@sqlite_only
async def test_backup_does_not_overwrite_a_file_without_force(
    harness: Harness, cli_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "nightly.db"
    backup.write_text("yesterday's notes")
    assert await cli(cli_settings, "backup", str(backup)) == 1
    assert "exists" in capsys.readouterr().err
    assert backup.read_text() == "yesterday's notes"
    assert await cli(cli_settings, "backup", str(backup), "--force") == 0


@sqlite_only
async def test_restore_refuses_a_file_that_is_not_a_sound_backup(
    harness: Harness, cli_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await register(harness, 1001)
    await harness.stop()
    await harness.engine.dispose()
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    assert await cli(cli_settings, "restore", str(broken), "--force") == 1
    assert "not usable" in capsys.readouterr().err
    assert await cli(cli_settings, "restore", str(tmp_path / "missing.db")) == 1
    assert "does not exist" in capsys.readouterr().err
    await harness.start()
    assert await customers(harness) == 1


def test_postgresql_backup_explains_pg_dump(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://bot:s3cret@db.example:5432/aftersales",
        database_schema="service",
    )
    args = build_parser().parse_args(["backup", "/backups/aftersales.dump"])
    assert asyncio.run(args.handler(settings, args)) == 1
    err = capsys.readouterr().err
    assert (
        "pg_dump --format=custom --file=/backups/aftersales.dump --schema=service "
        "'postgresql://bot:***@db.example:5432/aftersales'" in err
    )
    assert "s3cret" not in err and "pg_restore" in err
    assert pg_dump_command("postgresql+asyncpg://u@h/d", "x").endswith("postgresql://u@h/d")
