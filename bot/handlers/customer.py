"""Customer commands outside dialogs: help, language, the case list and cancellation."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import paging
from bot.access import registered_customer
from bot.common import answer, edit_or_reply, language_of, pressed, reply, text
from bot.context import AppContext, BotApplication
from bot.dialogs import products
from bot.keyboards import inline, language_keyboard
from bot.routes import desk_route
from core.callbacks import CancelCase, CaseButton, ConfirmCancel, Language, ShowCase
from core.i18n import LANGUAGES
from domain.lifecycle import Action, Actor, IllegalTransition, customer_may_cancel
from services import desk_actions, dispatch, workflow
from storage.models import Case, Customer
from storage.repos import cases as case_rows
from storage.repos import people

logger = logging.getLogger(__name__)


STAFF_HELP = ("dispatcher", "technician", "supervisor", "admin")


async def help_command(update: Update, context: AppContext) -> None:
    """Lists what a customer can do and the service promises; staff get their own commands."""
    user = update.effective_user
    staff = await people.get_staff(context.session, telegram_id=user.id) if user else None
    if user is None or staff is None or not staff.active:
        hours = int(context.services.settings.response_hours)
        promise = await text(update, context, "help.customer", hours=hours)
        if context.services.policy.working is not None:
            # The promised hours are working hours: say so rather than promise a night answer.
            promise += "\n" + await text(update, context, "working_hours.help_note")
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, promise)
        return
    language = await language_of(update, context)
    texts = context.services.texts
    roles = [role for role in STAFF_HELP if role in staff.role_set]
    named = ", ".join(texts.get(language, f"staff.help.role.{role}") for role in roles)
    sections = [texts.get(language, "staff.help.intro", roles=named)]
    sections += [texts.get(language, f"staff.help.{role}") for role in roles]
    sections.append(texts.get(language, "staff.help.common"))
    await context.bot.send_message(user.id, "\n\n".join(sections))


async def language_command(update: Update, context: AppContext) -> None:
    """Offers the language choice."""
    await reply(update, context, "language.choose", language_keyboard())


async def set_language(update: Update, context: AppContext) -> None:
    """Stores the chosen language on the person's record and in their session data."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    button = await pressed(update, context, Language)
    if button is None:
        return
    code = button.code
    if code not in LANGUAGES:
        await answer(update, context, "common.stale_button")
        return
    if context.user_data is not None:
        context.user_data["lang"] = code
    customer = await people.get_customer(context.session, telegram_id=user.id)
    if customer is not None:
        customer.language = code
    staff = await people.get_staff(context.session, telegram_id=user.id)
    if staff is not None:
        staff.language = code
    await query.answer()
    await edit_or_reply(update, context, "language.set")


async def cases_command(update: Update, context: AppContext) -> None:
    """Lists the customer's own cases as buttons."""
    await cases_page(update, context, 0)


@paging.paged("cases")
async def cases_page(update: Update, context: AppContext, page: int) -> None:
    """One page of the customer's cases, a button each."""
    customer = await registered_customer(update, context)
    if customer is None:
        return
    cases = await case_rows.cases_of_customer(
        context.session, customer_id=customer.id, limit=paging.LIST_LIMIT
    )
    if not cases:
        await reply(update, context, "cases.none")
        return
    language = await language_of(update, context)
    texts = context.services.texts
    entries = [
        paging.Entry(
            rows=[
                [
                    (
                        texts.get(
                            language,
                            "cases.button",
                            number=case.number,
                            status=texts.get(language, f"status.{case.status}"),
                        ),
                        ShowCase(case.id),
                    )
                ]
            ]
        )
        for case in cases
    ]
    listing = paging.Listing("cases.list", entries, separator="")
    await paging.show(update, context, kind="cases", page=page, listing=listing)


async def _own_case(update: Update, context: AppContext) -> tuple[Customer, Case] | None:
    """The customer and the case named by the pressed button, only if it is theirs."""
    customer = await registered_customer(update, context)
    if customer is None:
        return None
    button = await pressed(update, context, CaseButton)
    if button is None:
        return None
    case = await case_rows.case_of_customer(
        context.session, case_id=button.case_id, customer_id=customer.id
    )
    if case is None:
        logger.warning("user %s pressed a button for a case not theirs", customer.telegram_id)
        await answer(update, context, "cases.not_found")
        return None
    return customer, case


async def show_case(update: Update, context: AppContext) -> None:
    """Shows one of the customer's cases with its timeline."""
    found = await _own_case(update, context)
    if found is None:
        return
    _, case = found
    await answer(update, context)
    language = await language_of(update, context)
    texts = context.services.texts
    events = await case_rows.events_of(context.session, case_id=case.id)
    timeline = "\n".join(
        texts.get(
            language,
            "cases.timeline_line",
            at=texts.when(event.at),
            event=texts.get(language, f"event.{event.action}"),
        )
        for event in events
        if event.action not in desk_actions.INTERNAL_EVENTS  # staff notes stay with the staff
    )
    markup = None
    if customer_may_cancel(case.status):  # type: ignore[arg-type]
        label = texts.get(language, "cases.btn_cancel")
        markup = inline([[(label, CancelCase(case.id))]])
    await reply(
        update,
        context,
        "cases.detail",
        markup,
        number=case.number,
        kind=texts.get(language, f"kind.{case.kind}"),
        status=texts.get(language, f"status.{case.status}"),
        created=case.created_at,
        response_due=case.response_due_at,
        onsite_due=case.onsite_due_at,
        description=case.description,
        timeline=timeline,
    )


async def ask_cancel(update: Update, context: AppContext) -> None:
    """Asks the customer to confirm a cancellation."""
    found = await _own_case(update, context)
    if found is None:
        return
    _, case = found
    await answer(update, context)
    label = await text(update, context, "cases.btn_confirm_cancel")
    await edit_or_reply(
        update,
        context,
        "cases.confirm_cancel",
        inline([[(label, ConfirmCancel(case.id))]]),
        number=case.number,
    )


async def confirm_cancel(update: Update, context: AppContext) -> None:
    """Cancels the case if it is still before the technician's arrival."""
    found = await _own_case(update, context)
    if found is None:
        return
    customer, case = found
    await answer(update, context)
    try:
        await workflow.move(
            context.session,
            case=case,
            action=Action.CANCEL,
            actor=Actor.CUSTOMER,
            actor_id=customer.telegram_id,
            now=context.services.clock.now(),
        )
    except IllegalTransition:
        await edit_or_reply(update, context, "cases.cannot_cancel", number=case.number)
        return
    case.cancelled_at = context.services.clock.now()
    await dispatch.on_customer_cancel(
        context.session, case=case, now=case.cancelled_at, route=desk_route(context)
    )
    await edit_or_reply(update, context, "cases.cancelled", number=case.number)


def register(application: BotApplication) -> None:
    """Adds the customer commands and buttons."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("help", help_command, filters=private))
    application.add_handler(CommandHandler("language", language_command, filters=private))
    application.add_handler(CallbackQueryHandler(set_language, pattern=Language.pattern()))
    application.add_handler(CommandHandler("cases", cases_command, filters=private))
    application.add_handler(CommandHandler("products", products.list_products, filters=private))
    application.add_handler(CallbackQueryHandler(show_case, pattern=ShowCase.pattern()))
    application.add_handler(CallbackQueryHandler(ask_cancel, pattern=CancelCase.pattern()))
    application.add_handler(CallbackQueryHandler(confirm_cancel, pattern=ConfirmCancel.pattern()))
