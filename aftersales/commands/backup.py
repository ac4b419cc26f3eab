"""`aftersales backup FILE` and `aftersales restore FILE`: copies of the SQLite database."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import Any

from core.settings import Settings
from storage.backup import (
    BackupError,
    backup_sqlite,
    pg_dump_command,
    pg_restore_command,
    restore_sqlite,
    sqlite_path,
)


def add_parser(subparsers: Any) -> None:
    """Adds the backup and restore subcommands."""
    backup: argparse.ArgumentParser = subparsers.add_parser(
        "backup", help="copy the database to FILE while the bot runs (SQLite)"
    )
    backup.add_argument("file", type=Path)
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    backup.set_defaults(handler=run_backup)
    restore: argparse.ArgumentParser = subparsers.add_parser(
        "restore", help="replace the database with a backup FILE (SQLite; stop the bot first)"
    )
    restore.add_argument("file", type=Path)
    restore.add_argument(
        "--force", action="store_true", help="overwrite even if the database looks in use"
    )
    restore.set_defaults(handler=run_restore)


async def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Backs the SQLite database up, or says how to back PostgreSQL up."""
    database = sqlite_path(settings.database_url)
    if database is None:
        dump = pg_dump_command(settings.database_url, str(args.file), settings.database_schema)
        print(
            "The database is PostgreSQL: back it up with the server's own tool, e.g.\n"
            f"    {dump}"
            "\nand restore such a dump into an empty database with\n"
            f"    {pg_restore_command(settings.database_url, str(args.file))}\n"
            "(give the password through PGPASSWORD or ~/.pgpass).",
            file=sys.stderr,
        )
        return 1
    folder = args.file.parent
    if not folder.is_dir():
        print(f"Backup failed: there is no folder {folder}; create it first.", file=sys.stderr)
        return 1
    try:
        # The copy blocks for a while on a large database; keep it off the event loop.
        await asyncio.to_thread(backup_sqlite, database, args.file, overwrite=args.force)
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:  # e.g. a folder we may not write to
        print(f"Backup failed: cannot write {args.file} ({exc})", file=sys.stderr)
        return 1
    print(f"Backed up {database} to {args.file}.")
    return 0


async def run_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Restores the SQLite database from a verified backup."""
    database = sqlite_path(settings.database_url)
    if database is None:
        print(
            "The database is PostgreSQL: restore a pg_dump file with\n"
            f"    {pg_restore_command(settings.database_url, str(args.file))}",
            file=sys.stderr,
        )
        return 1
    try:
        await asyncio.to_thread(restore_sqlite, args.file, database, force=args.force)
    except BackupError as exc:
        print(f"Restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"Restored {database} from {args.file}. Start the bot again.")
    return 0
