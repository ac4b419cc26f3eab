"""Registration: language, name, phone (contact button or typed), optional company."""

from __future__ import annotations

import logging
from enum import IntEnum

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.common import mark_chosen, pressed, reply, retire_prompts, text
from bot.context import AppContext
from bot.dialogs.products import register_deeplink_product
from bot.dialogs.shared import (
    cancel_command,
    clean_or_complain,
    conversation,
    phone_or_complain,
    unsupported_input,
)
from bot.keyboards import contact_keyboard, language_keyboard, one_button
from core.callbacks import Language, SkipCompany
from core.i18n import LANGUAGES
from storage.models import Customer
from storage.repos import people

logger = logging.getLogger(__name__)


class State(IntEnum):
    """Steps of the registration."""

    LANGUAGE = 1
    NAME = 2
    PHONE = 3
    COMPANY = 4


END = ConversationHandler.END


async def start(update: Update, context: AppContext) -> int | None:
    """Greets a registered customer, or starts registration with the language choice."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    payload = context.args[0] if context.args else ""
    if payload.startswith("p-"):
        context.user_data["pending_serial"] = payload[2:]
    customer = await people.get_customer(context.session, telegram_id=user.id)
    if customer is not None and customer.registered_at is not None:
        if payload.startswith("p-"):
            await register_deeplink_product(update, context, payload[2:])
            return END
        await reply(update, context, "start.welcome_back", name=customer.name)
        return END
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id,
        context.services.texts.get("en", "start.choose_language"),
        reply_markup=language_keyboard(),
    )
    return State.LANGUAGE


async def choose_language(update: Update, context: AppContext) -> int | None:
    """Remembers the language and asks for the name."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = await pressed(update, context, Language)
    if button is None:
        return None
    code = button.code
    if code not in LANGUAGES:
        await query.answer()
        return None
    context.user_data["lang"] = code
    await query.answer()
    await mark_chosen(update, context)
    await reply(update, context, "start.ask_name")
    return State.NAME


async def take_name(update: Update, context: AppContext) -> int | None:
    """Stores the name and asks for the phone number."""
    assert update.message is not None and context.user_data is not None
    name = await clean_or_complain(update, context, update.message.text, limit=100)
    if name is None:
        return None
    context.user_data["reg_name"] = name
    label = await text(update, context, "start.btn_share_phone")
    await reply(update, context, "start.ask_phone", contact_keyboard(label), name=name)
    return State.PHONE


async def take_phone(update: Update, context: AppContext) -> int | None:
    """Accepts the user's own shared contact or a valid typed number."""
    phone = await phone_or_complain(update, context, button="start.btn_share_phone")
    return None if phone is None else await _ask_company(update, context, phone)


async def _ask_company(update: Update, context: AppContext, phone: str) -> int:
    """Stores the phone and asks for the company."""
    assert context.user_data is not None
    context.user_data["reg_phone"] = phone
    await reply(update, context, "start.phone_saved", ReplyKeyboardRemove(), phone=phone)
    language = str(context.user_data["lang"])
    markup = one_button(context.services.texts, language, "common.btn.skip", SkipCompany())
    await reply(update, context, "start.ask_company", markup)
    return State.COMPANY


async def take_company(update: Update, context: AppContext) -> int | None:
    """Stores the company and finishes."""
    assert update.message is not None
    company = await clean_or_complain(update, context, update.message.text, limit=120)
    if company is None:
        return None
    await retire_prompts(update, context, SkipCompany)
    return await _finish(update, context, company)


async def skip_company(update: Update, context: AppContext) -> int:
    """Finishes without a company."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await mark_chosen(update, context)
    return await _finish(update, context, None)


async def _finish(update: Update, context: AppContext, company: str | None) -> int:
    """Saves the customer and shows what the bot can do."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    now = context.services.clock.now()
    language = str(context.user_data["lang"])
    phone = str(context.user_data.pop("reg_phone"))
    name = str(context.user_data.pop("reg_name"))
    customer = await _linked_by_phone(context, user.id, phone)
    if customer is None:
        customer = await people.ensure_customer(
            context.session, telegram_id=user.id, language=language, now=now
        )
    customer.name = name
    customer.phone = phone
    # A customer the desk registered from a call keeps their company unless they give one.
    customer.company = company or customer.company
    customer.language = language
    customer.registered_at = customer.registered_at or now
    logger.info("customer %s registered", customer.id)
    await reply(update, context, "start.registered", name=customer.name)
    serial = context.user_data.pop("pending_serial", None)
    if serial:
        await register_deeplink_product(update, context, str(serial))
    return END


async def _linked_by_phone(context: AppContext, telegram_id: int, phone: str) -> Customer | None:
    """The customer the desk registered by this phone, now linked to this chat (if any)."""
    if await people.get_customer(context.session, telegram_id=telegram_id) is not None:
        return None
    customer = await people.unlinked_customer(context.session, phone=phone)
    if customer is not None:
        customer.telegram_id = telegram_id
        logger.info("customer %s linked to a chat by phone", customer.id)
    return customer


def build() -> ConversationHandler[AppContext]:
    """The registration conversation."""
    return conversation(
        entry_points=[CommandHandler("start", start, filters=filters.ChatType.PRIVATE)],
        states={
            State.LANGUAGE: [CallbackQueryHandler(choose_language, pattern=Language.pattern())],
            State.NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_name)],
            State.PHONE: [
                MessageHandler(filters.CONTACT | (filters.TEXT & ~filters.COMMAND), take_phone),
            ],
            State.COMPANY: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, take_company),
                CallbackQueryHandler(skip_company, pattern=SkipCompany.pattern()),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_command), unsupported_input()],
        name="register",
    )
