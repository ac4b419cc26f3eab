"""Backups of the SQLite database: online copy, integrity check, restore.

SQLite's backup API copies a consistent snapshot page by page while the bot keeps running.
The functions block; async callers run them in a thread.
On PostgreSQL backups are the server's business (`pg_dump`); `pg_dump_command` says how.
"""

from __future__ import annotations

import contextlib
import logging
import shlex
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url

logger = logging.getLogger(__name__)


class BackupError(Exception):
    """A backup or restore that must not go ahead, with the reason for the operator."""


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL; None for another database or an in-memory one."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def integrity_problems(path: Path) -> list[str]:
    """What is wrong with an SQLite file (empty when it is a sound aftersales database)."""
    if not path.is_file():
        return [f"{path} does not exist"]
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                return result
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
    except sqlite3.DatabaseError as exc:
        return [f"{path} is not an SQLite database ({exc})"]
    if not {"customers", "cases"} <= tables:
        return [f"{path} is not an aftersales database (no customers or cases table)"]
    return []


def in_use(path: Path) -> bool:
    """True when a process has the database open (or it was not closed cleanly).

    The bot runs SQLite in WAL mode; the -wal and -shm files exist while a connection is open
    and are removed when the last one closes. A writer holding a lock is caught as well.
    """
    if any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm")):
        return True
    if not path.exists():
        return False
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()
    return False


def _copy(source: Path, target: Path) -> None:
    """Copies one SQLite database into another with the backup API."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst, pages=1024)


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> None:
    """Writes a consistent copy of a (possibly running) database to `target`, then checks it."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; choose another file or pass --force")
    if target.resolve() == source.resolve():
        raise BackupError("the backup file must not be the database itself")
    target.unlink(missing_ok=True)
    _copy(source, target)
    problems = integrity_problems(target)
    if problems:
        raise BackupError("the copy failed its integrity check: " + "; ".join(problems))
    logger.info("backup written to %s", target)


def restore_sqlite(backup: Path, target: Path, *, force: bool = False) -> None:
    """Replaces the database with a verified backup; refuses a database in use unless forced."""
    problems = integrity_problems(backup)
    if problems:
        raise BackupError("the backup is not usable: " + "; ".join(problems))
    if backup.resolve() == target.resolve():
        raise BackupError("the backup file is the database itself")
    if not force and in_use(target):
        raise BackupError(
            f"{target} is in use (or was not closed cleanly); stop the bot first, "
            "or pass --force to overwrite it anyway"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, target)
    logger.info("database %s restored from %s", target, backup)


def libpq_url(database_url: str) -> URL:
    """The URL as libpq tools (pg_dump, psql) spell it: no SQLAlchemy driver name."""
    return make_url(database_url).set(drivername="postgresql")


def pg_dump_command(database_url: str, target: str, schema: str | None = None) -> str:
    """The pg_dump command that backs up this database to `target` (password hidden)."""
    url = libpq_url(database_url).render_as_string(hide_password=True)
    parts = ["pg_dump", "--format=custom", f"--file={target}"]
    if schema:
        parts.append(f"--schema={schema}")
    parts.append(url)
    return shlex.join(parts)


def pg_restore_command(database_url: str, source: str) -> str:
    """The pg_restore command that loads such a dump back (password hidden)."""
    url = libpq_url(database_url).render_as_string(hide_password=True)
    return shlex.join(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={url}", source]
    )
