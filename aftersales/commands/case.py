"""`aftersales case pdf NUMBER --out FILE`: the customer's copy of a case's service report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aftersales.commands.database import NoDatabase, existing_database, refuse
from core.i18n import Texts
from core.settings import Settings
from services import report_document, report_sheet
from storage.db import create_session_factory
from storage.repos import cases as case_rows


def add_parser(subparsers: Any) -> None:
    """Adds the case subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "case", help="documents of one case (its service report as a PDF)"
    )
    actions = parser.add_subparsers(dest="case_action", required=True)
    pdf = actions.add_parser("pdf", help="write the case's latest service report as a PDF")
    pdf.add_argument("number", help="the case number, e.g. SR-20261204-0001")
    pdf.add_argument("--out", "-o", type=Path, required=True, help="the PDF file to write")
    pdf.add_argument(
        "--language",
        choices=("zh_CN", "en"),
        help="language of the document (default: the customer's)",
    )
    parser.set_defaults(handler=run)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Writes the PDF, or says in one line why it cannot."""
    if not args.out.parent.is_dir():
        print(f"No such folder: {args.out.parent}", file=sys.stderr)
        return 1
    try:
        async with (
            existing_database(settings) as engine,
            create_session_factory(engine)() as session,
        ):
            case = await case_rows.get_case_by_number(session, number=args.number)
            sheet = await report_sheet.latest_of_case(session, case=case) if case else None
    except NoDatabase as exc:
        return refuse(exc)
    if case is None:
        print(f"No case {args.number}.", file=sys.stderr)
        return 1
    if sheet is None:
        print(f"Case {case.number} has no service report yet.", file=sys.stderr)
        return 1
    from services import report_pdf  # its FontMissing; fpdf2 and fontTools load with it

    try:
        _name, data = await report_document.pdf(
            sheet,
            Texts(settings.tz, settings.currency),
            settings,
            args.language or sheet.language,
        )
    except report_pdf.FontMissing as exc:
        print(str(exc), file=sys.stderr)
        return 1
    args.out.write_bytes(data)
    print(f"Wrote {args.out} ({len(data) // 1024} KB): service report of {case.number}.")
    return 0
