"""`aftersales import products FILE.csv`: validate every row, upsert the good ones."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from aftersales.commands.database import NoDatabase, existing_database, refuse
from core.clock import SystemClock
from core.settings import Settings
from domain.product_import import COLUMNS, RowError, UnreadableFile, decode_register, parse_row
from storage.db import create_session_factory
from storage.repos import products

BATCH = 500


def add_parser(subparsers: Any) -> None:
    """Adds `import products`."""
    parser: argparse.ArgumentParser = subparsers.add_parser("import", help="import registers")
    what = parser.add_subparsers(dest="what", required=True)
    product_parser = what.add_parser("products", help=f"product CSV with columns {COLUMNS}")
    product_parser.add_argument("file", type=Path)
    product_parser.add_argument(
        "--encoding", help="the file's text encoding (default: UTF-8, else GB18030 as Excel saves)"
    )
    product_parser.set_defaults(handler=run)


def read_rows(text: str) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Validates every line; a serial twice in one file is an error on its second line."""
    good: list[dict[str, Any]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c for c in ("serial", "model", "warranty_end") if c not in (reader.fieldnames or [])
        ]
        if missing:
            return [], [RowError(1, ",".join(missing), "column missing from the header")]
        for row in reader:
            line = reader.line_num
            parsed = parse_row(row, line)
            if isinstance(parsed, list):
                errors.extend(parsed)
                continue
            if parsed["serial"] in seen:
                errors.append(
                    RowError(line, "serial", f"duplicate of line {seen[parsed['serial']]}")
                )
                continue
            seen[parsed["serial"]] = line
            good.append(parsed)
    return good, errors


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Imports the file and reports refused lines; exit code 1 if any line was refused."""
    path: Path = args.file
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    try:
        text = decode_register(path.read_bytes(), args.encoding)
    except UnreadableFile as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    good, errors = read_rows(text)
    for error in errors:
        print(f"line {error.line}: {error.column}: {error.problem}", file=sys.stderr)
    try:
        asyncio.run(store(settings, good))
    except NoDatabase as exc:
        return refuse(exc)
    print(f"Imported {len(good)} products; {len(errors)} problems in refused lines.")
    return 1 if errors else 0


async def store(settings: Settings, good: list[dict[str, Any]]) -> None:
    """Upserts the valid rows in batches, with a progress bar on large files."""
    async with existing_database(settings) as engine:
        sessions = create_session_factory(engine)
        now = SystemClock().now()
        with tqdm(total=len(good), unit="rows", disable=len(good) < 2000) as progress:
            for start in range(0, len(good), BATCH):
                chunk = good[start : start + BATCH]
                async with sessions() as session, session.begin():
                    await products.upsert_products(session, rows=chunk, now=now)
                progress.update(len(chunk))
