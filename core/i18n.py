"""Message catalogs (core/locales/<lang>/*.json) and rendering of messages described as data."""

from __future__ import annotations

import json
import string
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.messages import Message
from core.money import DEFAULT_CURRENCY, format_money, format_part_lines

if TYPE_CHECKING:  # imported where a chat message is rendered: the CLI and pages never need it
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


@cache
def catalog(language: str) -> dict[str, str]:
    """All keys of one language, merged from its catalog files."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / language).glob("*.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        for key, value in entries.items():
            if key in merged:
                raise ValueError(f"duplicate message key {key} in {path}")
            merged[key] = value
    return merged


def placeholders(template: str) -> set[str]:
    """The argument names a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def normalize_language(code: str | None) -> str:
    """Maps a Telegram language code to one of ours."""
    if not code:
        return DEFAULT_LANGUAGE
    if code in LANGUAGES:
        return code
    return "zh_CN" if code.lower().startswith("zh") else "en"


class Texts:
    """Looks up and formats catalog entries, showing moments in the configured time zone."""

    def __init__(self, tz: ZoneInfo, currency: str = DEFAULT_CURRENCY) -> None:
        self.tz = tz
        self.currency = currency

    def money(self, cents: float) -> str:
        """An amount in cents in the configured currency."""
        return format_money(cents, self.currency)

    def get(self, language: str, key: str, **args: Any) -> str:
        """The formatted text of a key in a language."""
        template = catalog(language).get(key)
        if template is None:
            template = catalog(DEFAULT_LANGUAGE)[key]
        values = {name: self._value(language, value) for name, value in args.items()}
        return template.format(**values)

    def when(self, moment: datetime | None) -> str:
        """A moment in local time, as people read it."""
        if moment is None:
            return "-"
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def _value(self, language: str, value: Any) -> Any:
        """Resolves typed arguments ($dt, $t, $money) to display strings."""
        if isinstance(value, datetime):
            return self.when(value)
        if isinstance(value, dict):
            if "$dt" in value:
                return self.when(datetime.fromisoformat(value["$dt"]))
            if "$t" in value:
                return self.get(language, value["$t"], **value.get("$args", {}))
            if "$money" in value:
                return self.money(int(value["$money"]))
            if "$parts" in value:
                return format_part_lines(value["$parts"], self.currency)
        return value

    def render(self, message: Message, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
        """Renders a described message into text and an inline keyboard."""
        from telegram import InlineKeyboardMarkup

        text = self.get(language, message.key, **message.args)
        markup = None
        if message.buttons:
            markup = InlineKeyboardMarkup(
                [
                    [self._button(b.key, b.args, b.data, b.web_app, language) for b in row]
                    for row in message.buttons
                ]
            )
        return text, markup

    def _button(
        self, key: str, args: dict[str, Any], data: str, web_app: str | None, language: str
    ) -> InlineKeyboardButton:
        """One inline button: a Mini App to open, or callback data to send back."""
        from telegram import InlineKeyboardButton, WebAppInfo

        label = self.get(language, key, **args)
        if web_app is not None:
            return InlineKeyboardButton(label, web_app=WebAppInfo(web_app))
        return InlineKeyboardButton(label, callback_data=data)
