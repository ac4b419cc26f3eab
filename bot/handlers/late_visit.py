"""The customer's answer to a missed on-site visit: keep waiting, pick a new time, or cancel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.common import answer, edit_or_reply, language_of
from bot.context import AppContext
from bot.handlers.customer import registered_customer
from bot.handlers.staff import desk_route
from bot.keyboards import inline
from domain.lifecycle import BEFORE_SITE, IllegalTransition
from services import dispatch, onsite
from storage.repos import cases as case_rows

if TYPE_CHECKING:
    from bot.app import BotApplication

logger = logging.getLogger(__name__)


async def late_answer(update: Update, context: AppContext) -> None:
    """Handles the three buttons under the apology and the new-time choices."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = onsite.parse_late(query.data)
    customer = await registered_customer(update, context)
    if customer is None:
        return
    if parsed is None:
        await answer(update, context, "common.stale_button")
        return
    action, case_id = parsed
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
    application.add_handler(CallbackQueryHandler(late_answer, pattern=rf"^{onsite.LATE_PREFIX}:"))
