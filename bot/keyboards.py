"""Keyboards built from catalog texts."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from core.callbacks import Callback, Language
from core.i18n import LANGUAGES, Texts, catalog


def language_keyboard() -> InlineKeyboardMarkup:
    """Buttons for every supported language, each labelled in its own language."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(catalog(code)["lang.name"], callback_data=Language(code).pack())]
            for code in LANGUAGES
        ]
    )


Row = list[tuple[str, Callback]]


def inline(rows: Sequence[Sequence[tuple[str, Callback]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, button)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data.pack()) for label, data in row]
            for row in rows
        ]
    )


def one_button(texts: Texts, language: str, key: str, data: Callback) -> InlineKeyboardMarkup:
    """A keyboard of one button."""
    return inline([[(texts.get(language, key), data)]])


def contact_keyboard(label: str) -> ReplyKeyboardMarkup:
    """A reply keyboard whose button shares the user's phone number."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def location_keyboard(label: str) -> ReplyKeyboardMarkup:
    """A reply keyboard whose button shares a location."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
