"""A quote for out-of-warranty work: parts, labour, travel, then it goes to the customer."""

from __future__ import annotations

import logging
from enum import IntEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import DESK_ROLES, TECH_ROLES, desk_actor, own_job, staff_member
from bot.common import answer, drop_buttons, edit_or_reply, language_of, reply, text
from bot.context import AppContext
from bot.dialogs.job_common import (
    add_part,
    cancel_job_dialog,
    drop_draft,
    has_fields,
    job_draft,
    new_job_draft,
)
from bot.dialogs.shared import conversation, unsupported_input
from bot.keyboards import inline
from core.callbacks import QuoteAbandon, QuotePartsDone, QuoteSend, StartQuote
from core.money import part_lines
from domain.costs import parse_money
from domain.lifecycle import Actor, CaseStatus
from domain.validation import InputError
from services import jobs, quotes
from storage.models import Case, Staff
from storage.repos import cases as case_rows

logger = logging.getLogger(__name__)

QUOTABLE = (CaseStatus.ACCEPTED, CaseStatus.ON_SITE)
END = ConversationHandler.END
DIALOG = "quote"


class State(IntEnum):
    """Steps of the quote."""

    PARTS = 1
    LABOUR = 2
    TRAVEL = 3
    CONFIRM = 4


async def start_from_job(update: Update, context: AppContext) -> int | None:
    """The technician starts a quote from the job's button."""
    found = await own_job(update, context, QUOTABLE)
    if found is None:
        return END
    case = found[1]
    # The job card offers a quote only out of warranty and until one is approved; a forged or
    # stale button must not tell a warranty customer they are out of warranty and must pay.
    if not await jobs.needs_quote(context.session, case=case):
        await answer(update, context, "tech.quote_not_wanted", number=case.number)
        return END
    await answer(update, context)
    return await _begin(update, context, case, "tech")


async def start_from_desk(update: Update, context: AppContext) -> int | None:
    """The desk starts a quote with /quote <case>."""
    staff = await staff_member(update, context, DESK_ROLES)
    if staff is None:
        return END
    args = context.args or []
    case = await case_rows.get_case_by_number(context.session, number=args[0]) if args else None
    if case is None:
        await reply(update, context, "tech.usage_quote")
        return END
    if case.status not in QUOTABLE:
        await reply(update, context, "tech.cannot_quote", number=case.number)
        return END
    return await _begin(update, context, case, "desk")


async def _begin(update: Update, context: AppContext, case: Case, who: str) -> int:
    """Starts an empty quote and asks for the parts."""
    new_job_draft(context, DIALOG, {"case": case.id, "who": who, "parts": []})
    await reply(
        update,
        context,
        "tech.quote_ask_parts",
        await _done_button(update, context),
        number=case.number,
    )
    return State.PARTS


async def _done_button(update: Update, context: AppContext) -> InlineKeyboardMarkup:
    """The "no (more) parts" button."""
    label = await text(update, context, "tech.btn_parts_done")
    return inline([[(label, QuotePartsDone())]])


async def take_part(update: Update, context: AppContext) -> int | None:
    """Adds one part line (name, quantity, unit price)."""
    await add_part(update, context, dialog=DIALOG, done=QuotePartsDone())
    return None


async def parts_done(update: Update, context: AppContext) -> int | None:
    """Goes on to the labour cost."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    await reply(update, context, "tech.quote_ask_labour")
    return State.LABOUR


async def take_labour(update: Update, context: AppContext) -> int | None:
    """Stores the labour cost and asks for travel."""
    assert update.message is not None
    try:
        job_draft(context, DIALOG)["labour"] = parse_money(update.message.text or "")
    except InputError:
        await reply(update, context, "tech.input.money")
        return None
    await reply(update, context, "tech.quote_ask_travel")
    return State.TRAVEL


async def take_travel(update: Update, context: AppContext) -> int | None:
    """Stores the travel cost and shows the quote for sending."""
    assert update.message is not None
    draft = job_draft(context, DIALOG)
    try:
        draft["travel"] = parse_money(update.message.text or "")
    except InputError:
        await reply(update, context, "tech.input.money")
        return None
    parts_cents = sum(int(p["qty"]) * int(p["unit_cents"]) for p in draft["parts"])
    total = parts_cents + int(draft["labour"]) + int(draft["travel"])
    language = await language_of(update, context)
    texts = context.services.texts
    rows = [
        [
            (texts.get(language, "tech.btn_quote_send"), QuoteSend()),
            (texts.get(language, "common.btn.cancel"), QuoteAbandon()),
        ]
    ]
    await reply(
        update, context, "tech.quote_summary", inline(rows), parts=part_lines(draft["parts"]),
        parts_total={"$money": parts_cents}, labour={"$money": draft["labour"]},
        travel={"$money": draft["travel"]}, total={"$money": total},
    )  # fmt: skip
    return State.CONFIRM


async def _author(update: Update, context: AppContext) -> tuple[Staff, Case, Actor] | None:
    """Re-checks who sends the quote and that the case can still take it."""
    draft = job_draft(context, DIALOG)
    if draft.get("who") == "desk":
        staff = await staff_member(update, context, DESK_ROLES)
        case = await case_rows.get_case(context.session, case_id=int(draft["case"]))
        actor = desk_actor(staff) if staff else Actor.DESK
    else:
        staff = await staff_member(update, context, TECH_ROLES)
        case = (
            await jobs.job_of(context.session, case_id=int(draft["case"]), technician=staff)
            if staff
            else None
        )
        actor = Actor.TECHNICIAN
    if staff is None or case is None or case.status not in QUOTABLE:
        return None
    return staff, case, actor


async def send(update: Update, context: AppContext) -> int:
    """Sends the quote to the customer and puts the work on hold."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = job_draft(context, DIALOG).copy()
    found = (
        await _author(update, context)
        if has_fields(draft, "case", "parts", "labour", "travel")
        else None
    )
    drop_draft(context, DIALOG)
    if found is None:
        await edit_or_reply(update, context, "tech.job_gone")
        return END
    staff, case, actor = found
    await quotes.create_quote(
        context.session, case=case, by=staff, actor=actor, parts=draft["parts"],
        labour_cents=int(draft["labour"]), travel_cents=int(draft["travel"]),
        now=context.services.clock.now(), policy=context.services.policy,
    )  # fmt: skip
    await edit_or_reply(update, context, "tech.quote_sent", number=case.number)
    return END


async def abandon(update: Update, context: AppContext) -> int:
    """Drops the quote from the summary's button."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    return await cancel_job_dialog(DIALOG)(update, context)


def build() -> ConversationHandler[AppContext]:
    """The quote conversation."""
    typed = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[
            CallbackQueryHandler(start_from_job, pattern=StartQuote.pattern()),
            CommandHandler("quote", start_from_desk),
        ],
        states={
            State.PARTS: [
                MessageHandler(typed, take_part),
                CallbackQueryHandler(parts_done, pattern=QuotePartsDone.pattern()),
            ],
            State.LABOUR: [MessageHandler(typed, take_labour)],
            State.TRAVEL: [MessageHandler(typed, take_travel)],
            State.CONFIRM: [
                CallbackQueryHandler(send, pattern=QuoteSend.pattern()),
                CallbackQueryHandler(abandon, pattern=QuoteAbandon.pattern()),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(DIALOG)), unsupported_input()],
        name=DIALOG,
    )
