"""Closing a complaint: its owner picks the root cause and writes the corrective action."""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any, TypedDict, cast

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import supervisor_of
from bot.common import answer, edit_or_reply, language_of, pressed, reply
from bot.context import AppContext
from bot.dialogs.shared import clean_or_complain, conversation, unsupported_input
from bot.keyboards import inline
from core.callbacks import CloseComplaint, ComplaintCause
from domain.complaints import ACTION_LIMIT, ROOT_CAUSES
from domain.lifecycle import CaseStatus
from services import complaints
from services.complaints import ComplaintError
from storage.models import Case, Staff

logger = logging.getLogger(__name__)

END = ConversationHandler.END
DRAFT = "complaint_close"


class CloseDraft(TypedDict, total=False):
    """A complaint being closed; JSON-safe, it is persisted."""

    complaint_id: int
    root_cause: str


class State(IntEnum):
    """Steps of a closure."""

    CAUSE = 1
    ACTION = 2


async def _owned(
    update: Update, context: AppContext, complaint_id: int
) -> tuple[Staff, Case] | None:
    """The supervisor and the complaint, if it is still open and theirs (else they are told)."""
    staff = await supervisor_of(update, context)
    if staff is None:
        return None
    complaint = await complaints.get_complaint(context.session, complaint_id=complaint_id)
    if complaint is None:
        await _refuse(update, context, "common.stale_button")
        return None
    reason = None
    if complaint.status != CaseStatus.NEW:
        reason = "closed"
    elif complaint.owner_id is None:
        reason = "not_owned"
    elif complaint.owner_id != staff.id:
        reason = "owned"
    if reason is not None:
        await _refuse(update, context, f"complaint.err.{reason}", number=complaint.number)
        return None
    return staff, complaint


async def _refuse(update: Update, context: AppContext, key: str, **args: Any) -> None:
    """Says no, as a popup on a button or as a message."""
    if update.callback_query is not None:
        await answer(update, context, key, **args)
    else:
        await reply(update, context, key, None, **args)


async def start_close(update: Update, context: AppContext) -> int:
    """Asks the owner for the complaint's root cause."""
    button = await pressed(update, context, CloseComplaint)
    found = await _owned(update, context, button.complaint_id) if button else None
    if found is None:
        return END
    _, complaint = found
    await answer(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT] = CloseDraft(complaint_id=complaint.id)
    language = await language_of(update, context)
    texts = context.services.texts
    rows = [
        [(texts.get(language, f"complaint.cause.{cause}"), ComplaintCause(cause))]
        for cause in ROOT_CAUSES
    ]
    await reply(update, context, "complaint.ask_cause", inline(rows), number=complaint.number)
    return State.CAUSE


async def choose_cause(update: Update, context: AppContext) -> int | None:
    """Keeps the root cause and asks what was done about it."""
    assert context.user_data is not None
    button = await pressed(update, context, ComplaintCause)
    if button is None:
        return None
    cause = button.cause
    draft = cast(CloseDraft | None, context.user_data.get(DRAFT))
    if cause not in ROOT_CAUSES or not draft:
        await answer(update, context, "common.stale_button")
        return None
    await answer(update, context)
    draft["root_cause"] = cause
    await edit_or_reply(
        update,
        context,
        "complaint.ask_action",
        cause={"$t": f"complaint.cause.{cause}"},
    )
    return State.ACTION


async def take_action(update: Update, context: AppContext) -> int | None:
    """Closes the complaint with the corrective action; the customer hears the outcome."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    draft = cast(CloseDraft, context.user_data.get(DRAFT) or {})
    if "complaint_id" not in draft:
        return END
    action = await clean_or_complain(update, context, message.text, limit=ACTION_LIMIT)
    if action is None:
        return None
    found = await _owned(update, context, int(draft["complaint_id"]))
    if found is None:
        context.user_data.pop(DRAFT, None)
        return END
    staff, complaint = found
    try:
        await complaints.close_complaint(
            context.session,
            complaint=complaint,
            staff=staff,
            root_cause=draft.get("root_cause"),
            corrective_action=action,
            now=context.services.clock.now(),
        )
    except ComplaintError as exc:
        await reply(update, context, f"complaint.err.{exc.reason}", number=complaint.number)
        return END if exc.reason != "missing_root_cause" else None
    context.user_data.pop(DRAFT, None)
    await reply(update, context, "complaint.closed_staff", number=complaint.number)
    return END


async def cancel(update: Update, context: AppContext) -> int:
    """Leaves the complaint open."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await reply(update, context, "complaint.close_cancelled")
    return END


def build() -> ConversationHandler[AppContext]:
    """The complaint-closing conversation."""
    return conversation(
        entry_points=[CallbackQueryHandler(start_close, pattern=CloseComplaint.pattern())],
        states={
            State.CAUSE: [CallbackQueryHandler(choose_cause, pattern=ComplaintCause.pattern())],
            State.ACTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_action)],
        },
        fallbacks=[CommandHandler("cancel", cancel), unsupported_input()],
        name="complaint_close",
    )
