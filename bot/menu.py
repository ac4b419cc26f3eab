"""The command menu Telegram shows next to the text field, in both languages."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from core.i18n import catalog

logger = logging.getLogger(__name__)

CUSTOMER_COMMANDS = ("report", "install", "cases", "products", "complaint", "language", "help")


def commands(language: str) -> list[BotCommand]:
    """The customer commands with their descriptions in one language."""
    texts = catalog(language)
    return [BotCommand(name, texts[f"menu.{name}"]) for name in CUSTOMER_COMMANDS]


async def publish_menu(bot: Bot) -> None:
    """Sets the menu: Chinese for Chinese-speaking users, English for everyone else."""
    try:
        await bot.set_my_commands(commands("en"))
        await bot.set_my_commands(commands("zh_CN"), language_code="zh")
    except TelegramError as exc:  # a cosmetic step must not keep the bot from starting
        logger.warning("could not set the command menu: %s", exc)
