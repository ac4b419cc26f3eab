"""`aftersales report monthly --month YYYY-MM [--csv FILE] [--language en|zh_CN]` and
`report range --from --to`.

The CSV files are UTF-8 with a BOM (Excel then reads Chinese), like the dashboard's exports,
and every column is labelled in the chosen language (catalog keys `monthly.col.*`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from aftersales.commands.database import NoDatabase, existing_database, refuse
from core.clock import SystemClock
from core.i18n import LANGUAGES, Texts
from core.settings import Settings
from domain.metrics import ServiceReport, month_range, previous_month
from domain.parsing import parse_day
from services.report_tables import (
    CATEGORY_COLUMNS,
    TABLES,
    TECHNICIAN_COLUMNS,
    cell,
    column,
    csv_text,
    report_rows,
    table,
)
from services.standards import targets_of
from storage.db import create_session_factory
from storage.repos import standards as service_standard


def add_parser(subparsers: Any) -> None:
    """Adds `report monthly` and `report range`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report", help="the service-standard report"
    )
    which = parser.add_subparsers(dest="report_kind", required=True)
    monthly = which.add_parser("monthly", help="one calendar month (local time)")
    monthly.add_argument("--month", help="YYYY-MM (default: last month)")
    monthly.add_argument("--csv", type=Path, help="also write the figures to this CSV file")
    monthly.add_argument(
        "--language", choices=LANGUAGES, help="labels' language (default: the department's)"
    )
    ranged = which.add_parser("range", help="any range of local dates, both ends included")
    ranged.add_argument("--from", dest="first", required=True, help="YYYY-MM-DD")
    ranged.add_argument("--to", dest="last", required=True, help="YYYY-MM-DD")
    ranged.add_argument("--csv", type=Path, help="also write the figures to this CSV file")
    ranged.add_argument(
        "--language", choices=LANGUAGES, help="labels' language (default: the department's)"
    )
    parser.set_defaults(handler=run)


def bounds(settings: Settings, args: argparse.Namespace) -> tuple[datetime, datetime, str]:
    """The UTC range [start, end) and its title from the arguments (ValueError if malformed)."""
    tz = settings.tz
    if args.report_kind == "monthly":
        month = args.month or previous_month(SystemClock().now(), tz)
        start, end = month_range(month, tz)
        return start, end, month
    first, last = parse_day(args.first), parse_day(args.last)
    if first is None or last is None:
        raise ValueError("give --from and --to as YYYY-MM-DD")
    if last < first:
        raise ValueError("--to is before --from")
    start = datetime.combine(first, time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    return start, end, f"{first.isoformat()} – {last.isoformat()}"


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Prints the report as a table (and writes the CSV files); 2 on bad arguments."""
    try:
        start, end, title = bounds(settings, args)
    except ValueError as exc:
        print(f"Invalid period: {exc}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(compute(settings, start, end))
    except NoDatabase as exc:
        return refuse(exc)
    texts = Texts(settings.tz, settings.currency)
    language = getattr(args, "language", None) or settings.default_language
    print(print_table(texts, language, report, title))
    if args.csv is not None:
        for path in write_csv(args.csv, texts, language, report):
            print(texts.get(language, "monthly.wrote", path=str(path)))
    return 0


async def compute(settings: Settings, start: datetime, end: datetime) -> ServiceReport:
    """Runs the report's queries (NoDatabase when there is nothing to report on)."""
    async with existing_database(settings) as engine, create_session_factory(engine)() as session:
        return await service_standard.service_report(
            session,
            start=start,
            end=end,
            settings_targets=targets_of(settings),
            as_of=SystemClock().now(),
        )


def print_table(texts: Texts, language: str, report: ServiceReport, title: str) -> str:
    """The figures as an aligned text table."""
    header = tuple(
        texts.get(language, f"standard.col.{name}")
        for name in ("metric", "value", "target", "met")
    )
    rows = [header, *report_rows(texts, language, report)]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = [texts.get(language, "standard.title", month=title)]
    for row in rows:
        cells = [text + " " * (widths[i] - _width(text)) for i, text in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    for heading, rows_of, columns in (
        ("standard.by_technician", report.by_technician, TECHNICIAN_COLUMNS),
        ("standard.by_category", report.by_category, CATEGORY_COLUMNS),
    ):
        if rows_of:
            lines.append("")
            lines.append(texts.get(language, heading))
            lines.append("\t".join(column(texts, language, c) for c in columns))
            lines.extend("\t".join(cell(texts, c, line[c]) for c in columns) for line in rows_of)
    lines.extend(("", texts.get(language, "monthly.ftf_definition")))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def write_csv(path: Path, texts: Texts, language: str, report: ServiceReport) -> list[Path]:
    """The figures to FILE; per technician and per category to FILE.technicians/.categories
    (UTF-8 with a BOM, as the dashboard's CSV downloads)."""
    written = []
    for name in TABLES:
        target = path
        if name != "figures":
            target = path.with_name(f"{path.stem}.{name}{path.suffix or '.csv'}")
        with target.open("w", encoding="utf-8", newline="") as handle:
            handle.write(csv_text(table(texts, language, report, name)))
        written.append(target)
    return written
