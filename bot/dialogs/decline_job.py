"""Declining a dispatched job: the technician gives a reason, the case returns to the queue."""

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

from bot.access import TECH_ROLES, assignment_of, running_assignment, staff_member
from bot.common import answer, reply
from bot.context import AppContext
from bot.dialogs.job_common import cancel_job_dialog, drop_draft, job_draft, new_job_draft
from bot.dialogs.shared import clean_or_complain, conversation, unsupported_input
from bot.routes import desk_route
from core.callbacks import DeclineJob
from services import jobs

logger = logging.getLogger(__name__)

REASON_LIMIT = 300
END = ConversationHandler.END
DIALOG = "decline_job"


class State(IntEnum):
    """Steps of declining."""

    REASON = 1


async def start(update: Update, context: AppContext) -> int | None:
    """Asks why the technician declines the job."""
    found = await assignment_of(update, context)
    if found is None:
        return END
    _, assignment, case = found
    await answer(update, context)
    new_job_draft(context, DIALOG, {"assignment": assignment.id})
    await reply(update, context, "tech.ask_decline_reason", number=case.number)
    return State.REASON


async def take_reason(update: Update, context: AppContext) -> int | None:
    """Declines with the reason; the desk is told."""
    assert update.message is not None
    reason = await clean_or_complain(update, context, update.message.text, limit=REASON_LIMIT)
    if reason is None:
        return None
    staff = await staff_member(update, context, TECH_ROLES)
    assignment_id = job_draft(context, DIALOG).get("assignment")
    found = (
        await running_assignment(update, context, staff, int(assignment_id), lock=True)
        if staff is not None and assignment_id is not None
        else None
    )
    drop_draft(context, DIALOG)
    if staff is not None and assignment_id is None:
        await reply(update, context, "tech.job_gone")
    if staff is None or found is None:
        return END
    _, case = found
    await jobs.decline(
        context.session, case=case, technician=staff, reason=reason,
        now=context.services.clock.now(), route=desk_route(context),
        policy=context.services.policy,
    )  # fmt: skip
    await reply(update, context, "tech.declined", number=case.number)
    return END


def build() -> ConversationHandler[AppContext]:
    """The decline conversation."""
    return conversation(
        entry_points=[CallbackQueryHandler(start, pattern=DeclineJob.pattern())],
        states={State.REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_reason)]},
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(DIALOG)), unsupported_input()],
        name=DIALOG,
    )
