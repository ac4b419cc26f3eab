"""The customer's answers to the technician: approve or decline a quote, confirm a report."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.access import registered_customer
from bot.common import answer, drop_buttons, pressed, reply
from bot.context import AppContext, BotApplication
from bot.routes import desk_route
from core.callbacks import ApproveQuote, ConfirmReport, QuoteButton
from domain.lifecycle import CaseStatus
from services import closing, quotes, reports

logger = logging.getLogger(__name__)


async def quote_decision(update: Update, context: AppContext) -> None:
    """Approves (qt:ok) or declines (qt:no) a pending quote of the customer's own case."""
    query = update.callback_query
    assert query is not None
    customer = await registered_customer(update, context)
    if customer is None:
        return
    button = await pressed(update, context, QuoteButton)
    if button is None:
        return
    found = await quotes.quote_of_customer(
        context.session, quote_id=button.quote_id, customer=customer
    )
    if found is None:
        logger.warning("user %s pressed a quote button not theirs", customer.telegram_id)
        await answer(update, context, "common.not_allowed")
        return
    quote, case = found
    if quote.status != "pending" or case.status != CaseStatus.QUOTE_PENDING:
        await answer(update, context, "common.stale_button")
        return
    await answer(update, context)
    approve = isinstance(button, ApproveQuote)
    await quotes.decide_quote(
        context.session, case=case, quote=quote, customer=customer, approve=approve,
        now=context.services.clock.now(), policy=context.services.policy,
        route=desk_route(context),
    )  # fmt: skip
    key = "tech.quote_you_approved" if approve else "tech.quote_you_declined"
    await drop_buttons(query)
    await reply(update, context, key, number=case.number)


async def confirm_report(update: Update, context: AppContext) -> None:
    """The customer confirms the service report: the case closes."""
    query = update.callback_query
    assert query is not None
    customer = await registered_customer(update, context)
    if customer is None:
        return
    button = await pressed(update, context, ConfirmReport)
    if button is None:
        return
    found = await reports.report_of_customer(
        context.session, report_id=button.report_id, customer=customer
    )
    if found is None:
        await answer(update, context, "common.not_allowed")
        return
    report, case = found
    if report.confirmation != "pending" or case.status != CaseStatus.RESOLVED:
        await answer(update, context, "common.stale_button")
        return
    await answer(update, context)
    await closing.confirm(
        context.session, case=case, report=report, customer=customer,
        now=context.services.clock.now(), policy=context.services.policy,
    )  # fmt: skip
    await drop_buttons(query)
    await reply(update, context, "tech.you_confirmed", number=case.number)


def register(application: BotApplication) -> None:
    """Adds the customer's quote and report buttons."""
    application.add_handler(CallbackQueryHandler(quote_decision, pattern=QuoteButton.pattern()))
    application.add_handler(CallbackQueryHandler(confirm_report, pattern=ConfirmReport.pattern()))
