"""Small helpers every handler uses: the reader's language, texts, replies."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest

from bot.context import AppContext
from bot.i18n import normalize_language
from storage.repos import people

logger = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


async def language_of(update: Update, context: AppContext) -> str:
    """The user's language: chosen before, else their record's, else Telegram's."""
    user_data = context.user_data
    if user_data is not None and user_data.get("lang"):
        return str(user_data["lang"])
    user = update.effective_user
    if user is None:
        return context.services.settings.default_language
    customer = await people.get_customer(context.session, telegram_id=user.id)
    if customer is not None:
        language = customer.language
    else:
        staff = await people.get_staff(context.session, telegram_id=user.id)
        language = staff.language if staff else normalize_language(user.language_code)
    if user_data is not None:
        user_data["lang"] = language
    return language


async def text(update: Update, context: AppContext, key: str, **args: Any) -> str:
    """A catalog text in the user's language."""
    return context.services.texts.get(await language_of(update, context), key, **args)


async def reply(
    update: Update, context: AppContext, key: str, markup: Markup = None, **args: Any
) -> None:
    """Answers in the user's chat with a catalog text."""
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(
        chat.id, await text(update, context, key, **args), reply_markup=markup
    )


async def edit_or_reply(
    update: Update,
    context: AppContext,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
    **args: Any,
) -> None:
    """Edits the message whose button was pressed, or sends a new one."""
    query = update.callback_query
    body = await text(update, context, key, **args)
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(body, reply_markup=markup)
            return
        except Exception:  # the message may be too old or unchanged; a new one does
            logger.debug("could not edit; sending a new message")
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, body, reply_markup=markup)


async def answer(update: Update, context: AppContext, key: str | None = None, **args: Any) -> None:
    """Answers a button press (with an optional short notice)."""
    query = update.callback_query
    if query is None:
        return
    try:
        if key is None:
            await query.answer()
            return
        if await query.answer(await text(update, context, key, **args), show_alert=True):
            return
    except BadRequest:
        pass
    if key is not None:  # answered already (a query takes one answer) or too old: say it in chat
        await reply(update, context, key, **args)


async def drop_buttons(query: CallbackQuery) -> None:
    """Removes the pressed message's buttons; already gone (a double tap) or too old is fine."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:
        tolerated = ("not modified", "can't be edited", "not found")
        if not any(part in exc.message.lower() for part in tolerated):
            raise
