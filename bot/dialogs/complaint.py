"""A customer's complaint: about one of their cases or in general, then in their own words.

Also the customer's verdict on how a closed complaint was handled (a plain button).
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import TypedDict, cast

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import registered_customer
from bot.common import answer, edit_or_reply, language_of, pressed, reply
from bot.context import AppContext, BotApplication
from bot.dialogs.shared import clean_or_complain, conversation, unsupported_input
from bot.keyboards import Row, inline
from core.callbacks import (
    ComplaintAbout,
    ComplaintAboutCase,
    GeneralComplaint,
    HandlingVerdict,
)
from domain.complaints import DESCRIPTION_LIMIT, Source
from domain.lifecycle import CaseKind
from services import complaints
from storage.repos import cases as case_rows

logger = logging.getLogger(__name__)

END = ConversationHandler.END
DRAFT = "complaint_draft"
CASE_CHOICES = 8


class ComplaintDraft(TypedDict, total=False):
    """A complaint being written; JSON-safe, it is persisted."""

    parent_id: int | None  # the case it is about; None for a general complaint


class State(IntEnum):
    """Steps of a complaint."""

    ABOUT = 1
    DESCRIBE = 2


async def start_complaint(update: Update, context: AppContext) -> int:
    """Asks which case the complaint is about (or a general one)."""
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    cases = [
        case
        for case in await case_rows.cases_of_customer(context.session, customer_id=customer.id)
        if case.kind != CaseKind.COMPLAINT
    ][:CASE_CHOICES]
    language = await language_of(update, context)
    texts = context.services.texts
    rows: list[Row] = [
        [
            (
                texts.get(
                    language,
                    "complaint.case_button",
                    number=case.number,
                    kind=texts.get(language, f"kind.{case.kind}"),
                ),
                ComplaintAboutCase(case.id),
            )
        ]
        for case in cases
    ]
    rows.append([(texts.get(language, "complaint.btn_general"), GeneralComplaint())])
    assert context.user_data is not None
    context.user_data[DRAFT] = ComplaintDraft()
    await reply(update, context, "complaint.ask_about", inline(rows))
    return State.ABOUT


async def choose_about(update: Update, context: AppContext) -> int | None:
    """Remembers what the complaint is about and asks for the customer's account."""
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    button = await pressed(update, context, ComplaintAbout)
    if button is None:
        return None
    parent_id: int | None = None
    number: str | None = None
    if isinstance(button, ComplaintAboutCase):
        case = await case_rows.case_of_customer(
            context.session, case_id=button.case_id, customer_id=customer.id
        )
        if case is None or case.kind == CaseKind.COMPLAINT:
            await answer(update, context, "common.stale_button")
            return None
        parent_id, number = case.id, case.number
    await answer(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT] = ComplaintDraft(parent_id=parent_id)
    if number is None:
        await edit_or_reply(update, context, "complaint.ask_text_general")
    else:
        await edit_or_reply(update, context, "complaint.ask_text_case", number=number)
    return State.DESCRIBE


async def take_text(update: Update, context: AppContext) -> int | None:
    """Opens the complaint from the customer's words and tells them what happens next."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    description = await clean_or_complain(update, context, message.text, limit=DESCRIPTION_LIMIT)
    if description is None:
        return None
    draft = cast(ComplaintDraft, context.user_data.get(DRAFT) or {})
    parent = None
    parent_id = draft.get("parent_id")
    if parent_id is not None:
        parent = await case_rows.case_of_customer(
            context.session, case_id=int(parent_id), customer_id=customer.id
        )
    complaint = await complaints.open_complaint(
        context.session,
        customer=customer,
        parent=parent,
        description=description,
        source=Source.CUSTOMER,
        now=context.services.clock.now(),
        policy=context.services.policy,
    )
    context.user_data.pop(DRAFT, None)
    await reply(
        update,
        context,
        "complaint.filed",
        number=complaint.number,
        response_due=complaint.response_due_at,
    )
    return END


async def cancel(update: Update, context: AppContext) -> int:
    """Drops the unsent complaint."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await reply(update, context, "common.cancelled")
    return END


async def rate_handling(update: Update, context: AppContext) -> None:
    """Stores the customer's yes/no on how their closed complaint was handled (once)."""
    customer = await registered_customer(update, context)
    if customer is None:
        return
    button = await pressed(update, context, HandlingVerdict)
    if button is None:
        return
    satisfied = button.satisfied
    complaint = await complaints.get_complaint(context.session, complaint_id=button.complaint_id)
    if complaint is None or complaint.customer_id != customer.id:
        await answer(update, context, "common.stale_button")
        return
    stored = await complaints.record_handling(
        context.session,
        complaint=complaint,
        satisfied=satisfied,
        now=context.services.clock.now(),
        policy=context.services.policy,
    )
    if not stored:
        await answer(update, context, "complaint.handling_already")
        return
    await answer(update, context)
    await edit_or_reply(
        update,
        context,
        "complaint.handling_thanks_yes" if satisfied else "complaint.handling_thanks_no",
        number=complaint.number,
    )


def build() -> ConversationHandler[AppContext]:
    """The complaint conversation."""
    return conversation(
        entry_points=[CommandHandler("complaint", start_complaint)],
        states={
            State.ABOUT: [
                CallbackQueryHandler(
                    choose_about,
                    pattern=ComplaintAbout.pattern(),
                )
            ],
            State.DESCRIBE: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_text)],
        },
        fallbacks=[CommandHandler("cancel", cancel), unsupported_input()],
        name="complaint",
    )


def register(application: BotApplication) -> None:
    """Adds the complaint dialog and the handling-verdict buttons."""
    application.add_handler(build())
    application.add_handler(CallbackQueryHandler(rate_handling, pattern=HandlingVerdict.pattern()))
