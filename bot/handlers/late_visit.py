"""The customer's answer to a missed on-site visit: keep waiting, pick a new time, or cancel."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.access import registered_customer
from bot.common import answer, edit_or_reply, language_of, pressed
from bot.context import AppContext, BotApplication
from bot.keyboards import inline
from bot.routes import desk_route
from core.callbacks import LateVisit
from domain.lifecycle import BEFORE_SITE, IllegalTransition
from services import dispatch, onsite
from storage.repos import cases as case_rows

logger = logging.getLogger(__name__)


async def late_answer(update: Update, context: AppContext) -> None:
    """Handles the three buttons under the apology and the new-time choices."""
    customer = await registered_customer(update, context)
    if customer is None:
        return
    button = await pressed(update, context, LateVisit)
    if button is None:
        return
    action, case_id = button.action, button.case_id
    case = await case_rows.case_of_customer(
        context.session, case_id=case_id, customer_id=customer.id
    )
    if case is None:
        logger.warning("user %s pressed a late-visit button not theirs", customer.telegram_id)
        await answer(update, context, "cases.not_found")
        return
    await answer(update, context)
    if case.status not in BEFORE_SITE:
        await edit_or_reply(update, context, "late.closed", number=case.number)
        return
    now = context.services.clock.now()
    policy = context.services.policy
    if action == onsite.KEEP:
        await edit_or_reply(update, context, "late.kept", number=case.number)
    elif action == onsite.CANCEL:
        try:
            await onsite.cancel_late(context.session, case=case, customer=customer, now=now)
        except IllegalTransition:
            await edit_or_reply(update, context, "late.closed", number=case.number)
            return
        await dispatch.on_customer_cancel(
            context.session, case=case, now=now, route=desk_route(context)
        )
        await edit_or_reply(update, context, "cases.cancelled", number=case.number)
    elif action == onsite.NEW_TIME:
        language = await language_of(update, context)
        texts = context.services.texts
        rows = [
            [
                (
                    texts.get(language, f"late.btn_{choice}", hour=policy.day_end_hour),
                    onsite.late_data(choice, case.id),
                )
            ]
            for choice, _ in onsite.new_time_options(now, policy)
        ]
        await edit_or_reply(update, context, "late.ask_new_time", inline(rows), number=case.number)
    else:
        options = dict(onsite.new_time_options(now, policy))
        deadline = options.get(action)
        if deadline is None:
            await edit_or_reply(update, context, "report.deadline_gone")
            return
        await onsite.reschedule(
            context.session,
            case=case,
            deadline=deadline,
            now=now,
            policy=policy,
            route=desk_route(context),
        )
        await edit_or_reply(
            update, context, "late.new_time_set", number=case.number, onsite_due=deadline
        )


def register(application: BotApplication) -> None:
    """Adds the late-visit buttons."""
    application.add_handler(CallbackQueryHandler(late_answer, pattern=LateVisit.pattern()))
