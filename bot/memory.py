"""The user's and the chat's data in memory, copied before an update and put back if it fails.

The database rolls an update back on its own; PTB's in-memory user_data and chat_data do not,
so the pump keeps a copy and restores it (bot.pump).
"""

from __future__ import annotations

import copy
from typing import Any

from telegram import Update
from telegram.ext import Application

Saved = tuple[dict[str, Any] | None, dict[str, Any] | None]


def data_of(application: Application[Any, Any, Any, Any, Any, Any], update: Update) -> Saved:
    """Copies of the user's and the chat's data before the update is processed."""
    user, chat = update.effective_user, update.effective_chat
    user_data = application.user_data.get(user.id) if user else None
    chat_data = application.chat_data.get(chat.id) if chat else None
    return (
        copy.deepcopy(user_data) if user_data is not None else None,
        copy.deepcopy(chat_data) if chat_data is not None else None,
    )


def restore_data(
    application: Application[Any, Any, Any, Any, Any, Any], update: Update, before: Saved
) -> None:
    """Puts the user's and the chat's data back as they were (the update rolled back)."""
    user, chat = update.effective_user, update.effective_chat
    for holder, key, saved in (
        (application.user_data, user.id if user else None, before[0]),
        (application.chat_data, chat.id if chat else None, before[1]),
    ):
        current = holder.get(key) if key is not None else None
        if current is not None:
            current.clear()
            current.update(saved or {})
