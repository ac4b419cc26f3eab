"""Documents an outbox message carries, made at send time from what is stored.

A message names its document (`report:12`); the sender asks here for the file in the reader's
language just before sending, so the transaction that caused the message never renders a PDF.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.i18n import Texts
from core.settings import Settings
from services import report_document, report_sheet


async def make(
    reference: str,
    language: str,
    *,
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
    settings: Settings,
) -> tuple[str, bytes] | None:
    """The file name and bytes of a referenced document, or None when it no longer exists."""
    kind, _, ident = reference.partition(":")
    if kind != "report" or not ident.isascii() or not ident.isdigit() or len(ident) > 18:
        return None
    async with sessions() as session:
        sheet = await report_sheet.load(session, report_id=int(ident))
    if sheet is None:
        return None
    return await report_document.pdf(sheet, texts, settings, language)
