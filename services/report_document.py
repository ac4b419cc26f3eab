"""A service report's PDF, laid out in a worker thread that imports the PDF library itself.

fpdf2 and fontTools take about a quarter of a second to import; the bot and the dashboard
start without them, and the first report made (in a thread, as every report is: fpdf2 is pure
Python) imports them there while the event loop goes on answering.
"""

from __future__ import annotations

import asyncio

from core.i18n import Texts
from core.settings import Settings
from services.report_sheet import ReportSheet


def _render(
    sheet: ReportSheet, texts: Texts, settings: Settings, language: str
) -> tuple[str, bytes]:
    """The file name and bytes of the report in one language (runs in a worker thread)."""
    from services import report_pdf

    letterhead = report_pdf.Letterhead.of(settings)
    return report_pdf.filename(sheet), report_pdf.render(sheet, texts, letterhead, language)


async def pdf(
    sheet: ReportSheet, texts: Texts, settings: Settings, language: str
) -> tuple[str, bytes]:
    """The report as a PDF file name and bytes, laid out off the event loop."""
    return await asyncio.to_thread(_render, sheet, texts, settings, language)
