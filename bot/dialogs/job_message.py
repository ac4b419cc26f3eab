"""The technician writes to the job's customer: their next text goes to the customer's chat."""

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
from core.callbacks import WriteToCustomer
from domain.lifecycle import CaseStatus
from services import conversation as case_conversation
from services import jobs

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
END = ConversationHandler.END
DIALOG = "job_message"
# A job the technician has taken (not one merely offered to them).
WRITABLE = (CaseStatus.ACCEPTED, CaseStatus.QUOTE_PENDING, CaseStatus.ON_SITE)


class State(IntEnum):
    """Steps of the message."""

    TEXT = 1


async def start(update: Update, context: AppContext) -> int | None:
    """Asks for the message to the customer."""
    found = await own_job(update, context, WRITABLE)
    if found is None:
        return END
    _, case = found
    await answer(update, context)
    new_job_draft(context, DIALOG, {"case": case.id})
    await reply(update, context, "conversation.ask_text", number=case.number)
    return State.TEXT


async def take_text(update: Update, context: AppContext) -> int | None:
    """Sends the text to the customer and adds it to the case's conversation."""
    assert update.message is not None
    body = await clean_or_complain(update, context, update.message.text, limit=MESSAGE_LIMIT)
    if body is None:
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
    if case is None or case.status not in WRITABLE:
        await reply(update, context, "tech.job_gone")
        return END
    await case_conversation.from_technician(
        context.session, case=case, technician=staff, text=body,
        now=context.services.clock.now(),
    )  # fmt: skip
    await reply(update, context, "conversation.tech_sent", number=case.number)
    return END


def build() -> ConversationHandler[AppContext]:
    """The technician's message to the customer."""
    return conversation(
        entry_points=[CallbackQueryHandler(start, pattern=WriteToCustomer.pattern())],
        states={State.TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_text)]},
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(DIALOG)), unsupported_input()],
        name=DIALOG,
    )
