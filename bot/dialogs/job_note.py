"""A note on a job: the technician types it, it joins the case's timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import ConversationHandler

from bot.context import AppContext
from bot.dialogs import job_text
from core.callbacks import StartNote
from services import jobs
from services.jobs import OPEN_JOB_STATUSES
from storage.models import Case, Staff

NOTE_LIMIT = 1000
DIALOG = "job_note"


async def _store(
    session: AsyncSession, case: Case, staff: Staff, text: str, now: datetime
) -> None:
    """Stores the note on the case."""
    await jobs.add_note(session, case=case, technician=staff, text=text, now=now)


def build() -> ConversationHandler[AppContext]:
    """The note conversation."""
    return job_text.build(
        job_text.JobText(
            name=DIALOG,
            pattern=StartNote.pattern(),
            statuses=OPEN_JOB_STATUSES,
            limit=NOTE_LIMIT,
            ask_key="tech.ask_note",
            done_key="tech.note_saved",
            take=_store,
        )
    )
