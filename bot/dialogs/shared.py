"""Pieces every dialog shares: /cancel, unsupported media, validated free text."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.common import reply, text
from bot.context import AppContext
from bot.keyboards import contact_keyboard
from domain.geo import on_earth
from domain.sla import typed_example
from domain.validation import InputError, clean_text, normalize_phone

DRAFT_KEYS = ("draft", "reg_name", "reg_phone", "product_draft")


async def cancel_command(update: Update, context: AppContext) -> int:
    """Leaves the dialog and drops its unsaved draft."""
    if context.user_data is not None:
        for key in DRAFT_KEYS:
            context.user_data.pop(key, None)
    await reply(update, context, "common.cancelled", ReplyKeyboardRemove())
    return ConversationHandler.END


def deadline_example(context: AppContext) -> str:
    """The example shown with a prompt for a typed date and time: tomorrow afternoon, local."""
    return typed_example(context.services.clock.now(), context.services.policy.tz)


async def refuse_media(update: Update, context: AppContext) -> None:
    """Politely asks for text or photos instead of other media."""
    await reply(update, context, "common.text_only")


def unsupported_input() -> MessageHandler[AppContext, object]:
    """A fallback that answers voice, stickers, files and the like without leaving the step."""
    return MessageHandler(
        filters.UpdateType.MESSAGE
        & ~filters.TEXT
        & ~filters.PHOTO
        & ~filters.CONTACT
        & ~filters.LOCATION,
        refuse_media,
    )


async def clean_or_complain(
    update: Update, context: AppContext, raw: str | None, *, limit: int
) -> str | None:
    """The cleaned text, or None after telling the user what is wrong with it."""
    try:
        return clean_text(raw, max_length=limit)
    except InputError as exc:
        await reply(update, context, f"common.input.{exc.reason}", limit=limit)
        return None


async def location_or_complain(update: Update, context: AppContext) -> tuple[float, float] | None:
    """The shared point as (latitude, longitude), or None after saying it is no real place."""
    message = update.effective_message
    location = message.location if message is not None else None
    point = on_earth(location.latitude, location.longitude) if location is not None else None
    if point is None:
        await reply(update, context, "common.input.location")
    return point


async def phone_or_complain(update: Update, context: AppContext, *, button: str) -> str | None:
    """The user's own shared contact's or typed phone, or None after saying what is wrong."""
    message = update.message
    assert message is not None
    if message.contact is not None:
        user = update.effective_user
        if user is None or message.contact.user_id != user.id:
            await reply(update, context, "start.contact_not_own")
            return None
        try:
            return normalize_phone(message.contact.phone_number)
        except InputError:  # Telegram vouches for the number even when it is unusual
            return "+" + message.contact.phone_number.lstrip("+")
    try:
        return normalize_phone(message.text or "")
    except InputError:
        label = await text(update, context, button)
        await reply(update, context, "common.input.phone", contact_keyboard(label))
        return None


def conversation(**options: Any) -> ConversationHandler[AppContext]:
    """A persistent ConversationHandler keyed per user and chat.

    Buttons are tracked per chat on purpose (one dialog at a time per user), so PTB's
    warning about per_message=False is expected and silenced here only.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"If 'per_message=False'", category=PTBUserWarning
        )
        return ConversationHandler(persistent=True, allow_reentry=True, **options)
