"""Replies leave after the update's transaction has committed.

While the pump processes an update, the Bot API calls its handlers make in answer (messages,
edits, button answers) are queued on the update's unit of work instead of sent; the pump sends
them, in order, once the transaction is over. So a transaction (and SQLite's one writer) is
never held across a round trip to Telegram, and nobody reads a reply about a change that was
rolled back. A refused call is dealt with here, when it is actually made: an edit that cannot be
made becomes a new message, an alert on a button too old to answer becomes a message, buttons
already gone stay gone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

# PTB's own serializer of call parameters (private module, stable across 22.x).
from telegram.request._requestparameter import RequestParameter

from bot.context import current_unit
from core.transport import retry_seconds

logger = logging.getLogger(__name__)

# Calls that answer the user and whose result no handler reads.
QUEUED = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendLocation",
        "sendMediaGroup",
        "sendChatAction",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "deleteMessage",
    }
)
# Calls whose order against the other answers nobody can see: each button answer, and the
# removals of buttons (in order among themselves: two edits of one message must not swap).
_ASIDE = frozenset({"answerCallbackQuery", "editMessageReplyMarkup"})
# Refusals that only say the buttons are already as wanted (a double tap, an old message).
_BUTTONS_GONE = ("not modified", "can't be edited", "not found")
# Refusals of a button answer given before (a replayed update) or too late.
_ANSWER_LATE = ("query is too old", "query id is invalid")


@dataclass(frozen=True)
class QueuedCall:
    """One Bot API call a handler made, to be made after the commit."""

    endpoint: str
    data: dict[str, Any]
    timeouts: dict[str, Any]

    def stored(self) -> dict[str, Any] | None:
        """The call as JSON for the inbox row; None if it uploads a file (kept in memory)."""
        params: dict[str, Any] = {}
        for key, value in self.data.items():
            param = RequestParameter.from_input(key, value)
            if param.input_files:
                return None
            params[key] = param.json_value
        return {"endpoint": self.endpoint, "params": params}

    @classmethod
    def restored(cls, stored: dict[str, Any]) -> QueuedCall:
        """The call back from its stored form (after a crash)."""
        return cls(str(stored["endpoint"]), dict(stored["params"]), {})


class ReplyBot(ExtBot[None]):
    """An ExtBot whose answers to an update wait for that update's commit."""

    async def _do_post(
        self,
        endpoint: str,
        data: JSONDict,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> bool | JSONDict | list[JSONDict]:
        timeouts: dict[str, Any] = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }
        unit = current_unit.get()
        if unit is None or not unit.queue_replies or endpoint not in QUEUED:
            return await super()._do_post(endpoint, data, **timeouts)
        unit.replies.append(QueuedCall(endpoint, data, timeouts))
        return _stand_in(endpoint, data)

    async def raw_updates(self, *, offset: int, wait_seconds: int) -> list[JSONDict]:
        """getUpdates as Telegram sent them: stored as they are, parsed once, by the pump."""
        result = await self._post(
            "getUpdates",
            {"offset": offset, "timeout": wait_seconds, "allowed_updates": Update.ALL_TYPES},
            read_timeout=wait_seconds + 10,
        )
        if not isinstance(result, list):
            raise NetworkError(f"getUpdates answered {type(result).__name__}, not a list")
        return result

    async def send_queued(self, calls: Sequence[QueuedCall], chat_id: int | None) -> None:
        """Makes the queued calls; a refused one is dealt with, never raised.

        Messages and text edits go out one after another, in the order the handler made them.
        Button answers and the removal of a pressed message's buttons are not ordered against
        them (nobody can tell which came first), so they go at the same time: a button press
        is answered after one round trip to Telegram instead of three (bench: throughput).
        """
        aside = [call for call in calls if call.endpoint in _ASIDE]
        if not aside:
            await self._send_in_order(calls, chat_id)
            return
        in_order = [call for call in calls if call.endpoint not in _ASIDE]
        answers = [call for call in aside if call.endpoint == "answerCallbackQuery"]
        markups = [call for call in aside if call.endpoint != "answerCallbackQuery"]
        lanes = [[call] for call in answers] + [markups, in_order]
        await asyncio.gather(*(self._send_in_order(lane, chat_id) for lane in lanes if lane))

    async def _send_in_order(self, calls: Sequence[QueuedCall], chat_id: int | None) -> None:
        """Makes calls one after another."""
        for call in calls:
            try:
                await self._post_now(call)
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                await self._post_quietly(call)
            except BadRequest as exc:
                await self._after_refusal(call, exc, chat_id)
            except TelegramError as exc:
                logger.warning("%s to chat %s not made: %s", call.endpoint, chat_id, exc)
            except Exception:  # the update is committed: a failed answer must not stop the pump
                logger.exception("%s to chat %s failed", call.endpoint, chat_id)

    async def _post_now(self, call: QueuedCall) -> None:
        await super()._do_post(call.endpoint, call.data, **call.timeouts)

    async def _post_quietly(self, call: QueuedCall) -> None:
        try:
            await self._post_now(call)
        except TelegramError as exc:
            logger.warning("%s not made after waiting: %s", call.endpoint, exc)

    async def _after_refusal(self, call: QueuedCall, exc: BadRequest, chat_id: int | None) -> None:
        refusal = exc.message.lower()
        data = call.data
        if call.endpoint == "answerCallbackQuery":
            if not any(part in refusal for part in _ANSWER_LATE):
                logger.warning("button answer refused: %s", exc.message)
            # The notice the alert carried must still reach the user.
            if data.get("text") and chat_id is not None:
                await self._send_instead(chat_id, {"text": data["text"]})
            return
        if call.endpoint == "editMessageReplyMarkup" and any(p in refusal for p in _BUTTONS_GONE):
            return
        if "not modified" in refusal:
            return
        if call.endpoint == "editMessageText" and "chat_id" in data:
            # The message is too old to edit: the new text comes as a new message.
            keep = {k: v for k, v in data.items() if k in ("text", "reply_markup", "parse_mode")}
            await self._send_instead(data["chat_id"], keep)
            return
        logger.warning("%s to chat %s refused: %s", call.endpoint, chat_id, exc.message)

    async def _send_instead(self, chat_id: int | str, fields: dict[str, Any]) -> None:
        await self._post_quietly(QueuedCall("sendMessage", {"chat_id": chat_id, **fields}, {}))


def _stand_in(endpoint: str, data: JSONDict) -> bool | JSONDict | list[JSONDict]:
    """What the handler gets back now: a minimal message, or True."""
    if not endpoint.startswith("send") or endpoint == "sendChatAction":
        return True
    chat = data.get("chat_id")
    message = {
        "message_id": 0,
        "date": int(time.time()),
        "chat": {"id": chat if isinstance(chat, int) else 0, "type": "private"},
    }
    return [message] if endpoint == "sendMediaGroup" else message
