"""Last-resort answers, registered after every other handler so they only see the leftovers."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.common import answer, reply
from bot.context import AppContext, BotApplication


async def unknown_command(update: Update, context: AppContext) -> None:
    """Says the command is unknown and points to /help."""
    await reply(update, context, "common.unknown_command")


async def stray_message(update: Update, context: AppContext) -> None:
    """Answers a message outside any dialog with a pointer to /help."""
    await reply(update, context, "common.stray_message")


async def stale_button(update: Update, context: AppContext) -> None:
    """Answers a button no dialog is waiting for, so the user is not left with a spinner."""
    await answer(update, context, "common.stale_button")


async def edited_message(update: Update, context: AppContext) -> None:
    """Explains that edits are not picked up, before any dialog could take one as input."""
    if update.effective_chat is not None and update.effective_chat.type == "private":
        await reply(update, context, "common.edit_ignored")
    raise ApplicationHandlerStop


MAX_ID = 2**31 - 1
GUARDS = -2


def has_oversized_id(data: object) -> bool:
    """Whether button data carries a number no stored id can have (a forged button)."""
    return isinstance(data, str) and any(int(run) > MAX_ID for run in re.findall(r"\d+", data))


async def forged_number(update: Update, context: AppContext) -> None:
    """Answers a forged button before any handler tries to look its id up."""
    await answer(update, context, "common.stale_button")
    raise ApplicationHandlerStop


def register(application: BotApplication) -> None:
    """Adds the fallbacks (the last handlers of group 0) and the guards (group -2)."""
    private = filters.ChatType.PRIVATE
    # Before any dialog (whose text filters would take an edit as a new answer) and apart from
    # group -1, where a catch-all TypeHandler (staff bootstrap) would shadow them.
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, edited_message), group=GUARDS
    )
    application.add_handler(
        CallbackQueryHandler(forged_number, pattern=has_oversized_id), group=GUARDS
    )
    application.add_handler(MessageHandler(filters.COMMAND & private, unknown_command))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & private, stray_message))
    application.add_handler(CallbackQueryHandler(stale_button))
