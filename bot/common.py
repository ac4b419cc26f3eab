"""Small helpers every handler uses: the reader's language, texts, replies."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.context import AppContext
from bot.replies import ReplyBot, aside
from core.callbacks import C, Callback, parse_as
from core.i18n import normalize_language
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
    """Edits the message whose button was pressed, or sends a new one.

    An edit Telegram refuses (the message is too old) becomes a new message (bot.replies).
    """
    await edit_or_send(update, context, await text(update, context, key, **args), markup)


async def edit_or_send(
    update: Update, context: AppContext, body: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Edits the pressed message to a ready text, or sends it as a new message."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(body, reply_markup=markup)
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, body, reply_markup=markup)


async def answer(update: Update, context: AppContext, key: str | None = None, **args: Any) -> None:
    """Answers a button press (with an optional short notice).

    A notice on a button too old to answer (or answered before) comes as a message instead
    (bot.replies).
    """
    query = update.callback_query
    if query is None:
        return
    if key is None:
        await query.answer()
        return
    await query.answer(await text(update, context, key, **args), show_alert=True)


async def drop_buttons(query: CallbackQuery) -> None:
    """Removes the pressed message's buttons; already gone (a double tap) or too old is fine."""
    await query.edit_message_reply_markup(None)


async def mark_chosen(update: Update, context: AppContext) -> None:
    """Edits the pressed prompt to its text and the pressed button's label, without buttons.

    So the answer stays readable in the chat and no button of an answered prompt is left.
    """
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or not isinstance(message, Message) or message.text is None:
        if query is not None:
            await drop_buttons(query)
        return
    markup = message.reply_markup
    labels = [
        button.text
        for row in (markup.inline_keyboard if markup is not None else ())
        for button in row
        if button.callback_data == query.data
    ]
    if not labels:
        await drop_buttons(query)
        return
    body = await text(update, context, "common.chosen", prompt=message.text, answer=labels[0])
    with aside():  # the next question need not wait for this edit
        await query.edit_message_text(body, reply_markup=None)


async def retire_prompts(update: Update, context: AppContext, *kinds: type[Callback]) -> None:
    """Removes the buttons of earlier prompts (all their buttons of these kinds) now answered."""
    chat = update.effective_chat
    bot = context.bot
    if chat is None or not isinstance(bot, ReplyBot):
        return
    query = update.callback_query
    pressed_id = query.message.message_id if query is not None and query.message else None
    for message_id in bot.retire_buttons(
        chat.id, lambda data: any(parse_as(data, kind) for kind in kinds)
    ):
        if message_id != pressed_id:  # the pressed prompt is marked (mark_chosen)
            await bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)


async def pressed(update: Update, context: AppContext, kind: type[C]) -> C | None:
    """The pressed button read as that kind, or None after answering it as a stale button."""
    query = update.callback_query
    button = parse_as(query.data if query is not None else None, kind)
    if button is None:
        await answer(update, context, "common.stale_button")
    return button
