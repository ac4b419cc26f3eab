"""The bot's own profile in the sandbox: getMe, its command menus and its chat menu buttons."""

from __future__ import annotations

import json
from typing import Any

from sandbox.chats import ChatStore
from sandbox.models import bad_request
from sandbox.params import Upload, opt_json, opt_str

_COMMAND_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
_MENU_BUTTON_TYPES = ("default", "commands", "web_app")


class BotProfile:
    """Who the bot is and the commands and menu buttons it set, per scope and language."""

    def __init__(self, bot_user: dict[str, Any], chats: ChatStore) -> None:
        self.bot_user = bot_user
        self._chats = chats
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}

    def get_me(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """The bot's User object, as Telegram describes a bot."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = opt_json(params, "scope") or {"type": "default"}
        return json.dumps([scope, opt_str(params, "language_code") or ""], sort_keys=True)

    def set_my_commands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Stores a command list for a scope and language, checked as Telegram checks it."""
        commands = opt_json(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be an array of at most 100 BotCommand")
        for cmd in commands:
            name = str(cmd.get("command", "")) if isinstance(cmd, dict) else ""
            if not 1 <= len(name) <= 32 or not set(name) <= _COMMAND_CHARS:
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def get_my_commands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """The command list of a scope and language (empty if none was set)."""
        return self._commands.get(self._commands_key(params), [])

    def delete_my_commands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Forgets the command list of a scope and language."""
        self._commands.pop(self._commands_key(params), None)
        return True

    def _chat_of(self, params: dict[str, Any]) -> int | None:
        return self._chats.resolve_chat(params) if params.get("chat_id") is not None else None

    def set_chat_menu_button(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Stores the menu button of one chat (or the default one without chat_id)."""
        button = opt_json(params, "menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in _MENU_BUTTON_TYPES:
            raise bad_request("can't parse menu button")
        self._menu_buttons[self._chat_of(params)] = button
        return True

    def get_chat_menu_button(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """The menu button of a chat, else the default one."""
        return (
            self._menu_buttons.get(self._chat_of(params))
            or self._menu_buttons.get(None)
            or {"type": "default"}
        )
