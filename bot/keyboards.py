"""Keyboards built from catalog texts."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from core.i18n import LANGUAGES, Texts, catalog


def language_keyboard() -> InlineKeyboardMarkup:
    """Buttons for every supported language, each labelled in its own language."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(catalog(code)["lang.name"], callback_data=f"lang:{code}")]
            for code in LANGUAGES
        ]
    )


def inline(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def one_button(texts: Texts, language: str, key: str, data: str) -> InlineKeyboardMarkup:
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
