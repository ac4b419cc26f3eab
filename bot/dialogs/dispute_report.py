"""The customer disputes a service report: what is still wrong, then the case is reopened."""

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

from bot.access import registered_customer
from bot.common import answer, pressed, reply
from bot.context import AppContext
from bot.dialogs.job_common import cancel_job_dialog, drop_draft, job_draft, new_job_draft
from bot.dialogs.shared import clean_or_complain, conversation, unsupported_input
from bot.routes import desk_route
from core.callbacks import DisputeReport
from domain.lifecycle import CaseStatus
from services import closing, reports

logger = logging.getLogger(__name__)

TEXT_LIMIT = 1000
END = ConversationHandler.END
DIALOG = "dispute_report"


class State(IntEnum):
    """Steps of the dispute."""

    TEXT = 1


async def start(update: Update, context: AppContext) -> int | None:
    """Asks the customer what is still wrong."""
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    button = await pressed(update, context, DisputeReport)
    if button is None:
        return END
    found = await reports.report_of_customer(
        context.session, report_id=button.report_id, customer=customer
    )
    if found is None:
        await answer(update, context, "common.not_allowed")
        return END
    report, case = found
    if report.confirmation != "pending" or case.status != CaseStatus.RESOLVED:
        await answer(update, context, "common.stale_button")
        return END
    await answer(update, context)
    new_job_draft(context, DIALOG, {"report": report.id})
    await reply(update, context, "tech.ask_dispute", number=case.number)
    return State.TEXT


async def take_text(update: Update, context: AppContext) -> int | None:
    """Reopens the case with the customer's words; the desk sees it again."""
    assert update.message is not None
    words = await clean_or_complain(update, context, update.message.text, limit=TEXT_LIMIT)
    if words is None:
        return None
    customer = await registered_customer(update, context)
    report_id = job_draft(context, DIALOG).get("report")
    drop_draft(context, DIALOG)
    if customer is None:
        return END
    found = (
        await reports.report_of_customer(
            context.session, report_id=int(report_id), customer=customer
        )
        if report_id is not None
        else None
    )
    if found is None or found[0].confirmation != "pending" or found[1].status != "resolved":
        await reply(update, context, "common.stale_button")
        return END
    report, case = found
    await closing.dispute(
        context.session, case=case, report=report, customer=customer, text=words,
        now=context.services.clock.now(), policy=context.services.policy,
        route=desk_route(context),
    )  # fmt: skip
    await reply(update, context, "tech.dispute_saved", number=case.number)
    return END


def build() -> ConversationHandler[AppContext]:
    """The dispute conversation."""
    return conversation(
        entry_points=[CallbackQueryHandler(start, pattern=DisputeReport.pattern())],
        states={State.TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_text)]},
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(DIALOG)), unsupported_input()],
        name=DIALOG,
    )
