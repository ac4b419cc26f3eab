"""A note on a job: the technician types it, it joins the case's timeline."""

from __future__ import annotations

import logging
from enum import IntEnum

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import TECH_ROLES, own_job, staff_member
from bot.common import answer, reply
from bot.context import AppContext
from bot.dialogs.job_common import cancel_job_dialog, drop_draft, job_draft, new_job_draft
from bot.dialogs.shared import clean_or_complain, conversation, unsupported_input
from core.callbacks import StartNote
from services import jobs
from services.jobs import OPEN_JOB_STATUSES

logger = logging.getLogger(__name__)

NOTE_LIMIT = 1000
END = ConversationHandler.END
DIALOG = "job_note"


class State(IntEnum):
    """Steps of the note."""

    TEXT = 1


async def start(update: Update, context: AppContext) -> int | None:
    """Asks for the note."""
    found = await own_job(update, context, OPEN_JOB_STATUSES)
    if found is None:
        return END
    _, case = found
    await answer(update, context)
    new_job_draft(context, DIALOG, {"case": case.id})
    await reply(update, context, "tech.ask_note", number=case.number)
    return State.TEXT


async def take_text(update: Update, context: AppContext) -> int | None:
    """Stores the note on the case."""
    assert update.message is not None
    note = await clean_or_complain(update, context, update.message.text, limit=NOTE_LIMIT)
    if note is None:
        return None
    staff = await staff_member(update, context, TECH_ROLES)
    case_id = job_draft(context, DIALOG).get("case")
    drop_draft(context, DIALOG)
    if staff is None:
        return END
    case = (
        await jobs.job_of(context.session, case_id=int(case_id), technician=staff)
        if case_id is not None
        else None
    )
    if case is None:
        await reply(update, context, "tech.job_gone")
        return END
    await jobs.add_note(
        context.session, case=case, technician=staff, text=note, now=context.services.clock.now()
    )
    await reply(update, context, "tech.note_saved", number=case.number)
    return END


def build() -> ConversationHandler[AppContext]:
    """The note conversation."""
    return conversation(
        entry_points=[CallbackQueryHandler(start, pattern=StartNote.pattern())],
        states={State.TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_text)]},
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(DIALOG)), unsupported_input()],
        name=DIALOG,
    )
