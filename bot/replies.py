"""Replies leave after the update's transaction has committed.

While the pump processes an update, the Bot API calls its handlers make in answer (messages,
edits, button answers) are queued on the update's unit of work instead of sent; the pump sends
them, in order, once the transaction is over. So a transaction (and SQLite's one writer) is
never held across a round trip to Telegram, and nobody reads a reply about a change that was
rolled back. A refused call is dealt with here, when it is actually made: an edit that cannot be
made becomes a new message, an alert on a button too old to answer becomes a message, buttons
already gone stay gone. A call Telegram could not take now (a flood wait, a 5xx, no connection)
is handed back with those after it, and bot.answers tries them again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

from bot.context import current_unit
from core.transport import may_have_arrived, retry_seconds

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
# How many messages with buttons are remembered per chat (ReplyBot.retire_buttons).
_REMEMBERED = 8
# Set while a handler makes a call that, like a removal of buttons, may go aside (see aside()).
_making_aside: ContextVar[bool] = ContextVar("making_aside", default=False)


@contextlib.contextmanager
def aside() -> Iterator[None]:
    """Calls made within go with the button removals, not in order with the next messages.

    For an edit nobody can see the order of against the next question: the answered prompt
    marked with the answer (bot.common.mark_chosen).
    """
    token = _making_aside.set(True)
    try:
        yield
    finally:
        _making_aside.reset(token)


# Refusals that only say the buttons are already as wanted (a double tap, an old message).
_BUTTONS_GONE = ("not modified", "can't be edited", "not found")
# Refusals of a button answer given before (a replayed update) or too late.
_ANSWER_LATE = ("query is too old", "query id is invalid")


@dataclass(frozen=True)
class QueuedCall:
    """One Bot API call a handler made, to be made after the commit."""

    endpoint: str
    # The parameters as Telegram receives them: each value JSON-encoded (strings as they are).
    params: dict[str, str]
    # The request PTB built for a handler's call (with any file to upload); None for a call
    # made again from its stored form or composed here.
    request: RequestData | None = None
    timeouts: dict[str, Any] = field(default_factory=dict)
    # Goes with the button removals (made within aside()); a stored call goes in order.
    aside: bool = False

    def stored(self) -> dict[str, Any] | None:
        """The call as JSON for the inbox row; None if it uploads a file (kept in memory)."""
        if self.request is not None and self.request.contains_files:
            return None
        return {"endpoint": self.endpoint, "params": dict(self.params)}

    @classmethod
    def restored(cls, stored: dict[str, Any]) -> QueuedCall:
        """The call back from its stored form (after a crash)."""
        params = {
            str(key): value if isinstance(value, str) else json.dumps(value)
            for key, value in dict(stored["params"]).items()
        }
        return cls(str(stored["endpoint"]), params)


class ReplyRequest(BaseRequest):
    """The bot's transport, except that the answers made during an update wait for its commit.

    PTB hands every call to its request object (a public extension point): here the calls that
    answer the user are queued on the update's unit of work, and the handler gets a stand-in
    result; all others, and the queued ones later, go to the real transport.
    """

    def __init__(self, transport: BaseRequest, updates: BaseRequest) -> None:
        self.transport = transport
        # Long polls keep to their own connection (raw_updates comes here under another name).
        self.updates = updates

    @property
    def read_timeout(self) -> float | None:
        """The transport's default read timeout."""
        return self.transport.read_timeout

    async def initialize(self) -> None:
        """Opens the transport."""
        await self.transport.initialize()

    async def shutdown(self) -> None:
        """Closes the transport."""
        await self.transport.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Queues an answer made during an update; passes anything else on."""
        timeouts: dict[str, Any] = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }
        endpoint = url.rsplit("/", 1)[-1]
        if endpoint.lower() == "getupdates":
            return await self.updates.do_request(url, method, request_data, **timeouts)
        unit = current_unit.get()
        if unit is None or not unit.queue_replies or endpoint not in QUEUED or not request_data:
            return await self.transport.do_request(url, method, request_data, **timeouts)
        params = request_data.json_parameters
        call = QueuedCall(endpoint, params, request_data, timeouts, _making_aside.get())
        unit.replies.append(call)
        result = {"ok": True, "result": _stand_in(endpoint, params)}
        return 200, json.dumps(result).encode()


class ReplyBot(ExtBot[None]):
    """An ExtBot whose answers to an update wait for that update's commit (ReplyRequest)."""

    def __init__(
        self, token: str, *, request: BaseRequest, get_updates_request: BaseRequest, **kw: Any
    ) -> None:
        self._replies = ReplyRequest(request, get_updates_request)
        super().__init__(
            token, request=self._replies, get_updates_request=get_updates_request, **kw
        )
        # The latest messages sent with inline buttons, per chat: (message id, callback data).
        # Only sent messages have ids; kept in memory, so after a restart old buttons stay.
        self._with_buttons: dict[int, list[tuple[int, tuple[str, ...]]]] = {}

    def retire_buttons(self, chat_id: int, matches: Callable[[str], bool]) -> list[int]:
        """Forgets and returns the sent messages of a chat whose every button matches."""
        sent = self._with_buttons.get(chat_id, [])
        gone = [(m, data) for m, data in sent if all(matches(one) for one in data)]
        self._with_buttons[chat_id] = [kept for kept in sent if kept not in gone]
        return [message_id for message_id, _ in gone]

    def _remember_buttons(self, params: dict[str, str], result: Any) -> None:
        """Notes a sent message's id if it carries callback buttons."""
        markup = json.loads(params.get("reply_markup") or "{}")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        data = tuple(str(b["callback_data"]) for row in rows for b in row if "callback_data" in b)
        if not data or not isinstance(result, dict) or "message_id" not in result:
            return
        sent = self._with_buttons.setdefault(int(result["chat"]["id"]), [])
        sent.append((int(result["message_id"]), data))
        del sent[:-_REMEMBERED]

    async def raw_updates(self, *, offset: int, wait_seconds: int) -> list[dict[str, Any]]:
        """getUpdates as Telegram sent them: stored as they are, parsed once, by the pump."""
        result = await self.do_api_request(
            _untyped("getUpdates"),
            api_kwargs={
                "offset": offset,
                "timeout": wait_seconds,
                "allowed_updates": Update.ALL_TYPES,
            },
            read_timeout=wait_seconds + 10,
        )
        if not isinstance(result, list):
            raise NetworkError(f"getUpdates answered {type(result).__name__}, not a list")
        return result

    async def send_queued(self, calls: Sequence[QueuedCall], chat_id: int | None) -> Unsent | None:
        """Makes the queued calls; returns those Telegram could not take now, else None.

        Messages and text edits go out one after another, in the order the handler made them;
        the first one that fails for a passing reason (flood wait, 5xx, no connection) stops
        its lane, and it and the calls after it are returned for a later attempt (bot.answers).
        Button answers and the removal of a pressed message's buttons (and edits made within
        aside()) are not ordered against them (nobody can tell which came first), so they go
        at the same time: a button press
        is answered after one round trip to Telegram instead of three (bench: throughput).
        A refusal that no retry can change is dealt with here and never returned.
        """
        aside = [call for call in calls if call.endpoint in _ASIDE or call.aside]
        if not aside:
            return await self._send_in_order(calls, chat_id)
        in_order = [call for call in calls if not (call.endpoint in _ASIDE or call.aside)]
        answers = [call for call in aside if call.endpoint == "answerCallbackQuery"]
        markups = [call for call in aside if call.endpoint != "answerCallbackQuery"]
        lanes = [[call] for call in answers] + [markups, in_order]
        left = await asyncio.gather(
            *(self._send_in_order(lane, chat_id) for lane in lanes if lane)
        )
        return Unsent.joined([unsent for unsent in left if unsent is not None])

    async def _send_in_order(
        self, calls: Sequence[QueuedCall], chat_id: int | None
    ) -> Unsent | None:
        """Makes calls one after another; returns the rest from the first passing failure on."""
        todo = list(calls)
        while todo:
            call = todo.pop(0)
            try:
                await self._post_now(call)
            except RetryAfter as exc:
                return Unsent([call, *todo], f"RetryAfter {exc.retry_after}", retry_seconds(exc))
            except BadRequest as exc:
                instead = self._after_refusal(call, exc, chat_id)
                if instead is not None:
                    todo.insert(0, instead)
            except NetworkError as exc:  # a 5xx answer, or no connection
                if may_have_arrived(exc):
                    # Sending again could show the user the answer twice (as for the outbox).
                    logger.warning(
                        "%s to chat %s may not have arrived: %s; not resent",
                        call.endpoint,
                        chat_id,
                        exc,
                    )
                    continue
                return Unsent([call, *todo], f"{type(exc).__name__}: {exc}", None)
            except TelegramError as exc:  # blocked by the user, a migrated chat: no retry helps
                logger.warning("%s to chat %s not made: %s", call.endpoint, chat_id, exc)
            except Exception:  # the update is committed: a failed answer must not stop the pump
                logger.exception("%s to chat %s failed", call.endpoint, chat_id)
        return None

    async def _post_now(self, call: QueuedCall) -> None:
        """Makes one call: the request PTB built, else the stored parameters as they are."""
        if call.request is not None:
            url = f"{self.base_url}/{call.endpoint}"
            result = await self._replies.transport.post(url, call.request, **call.timeouts)
        else:
            result = await self.do_api_request(
                _untyped(call.endpoint), api_kwargs=dict(call.params)
            )
        if call.endpoint == "sendMessage":
            self._remember_buttons(call.params, result)

    def _after_refusal(
        self, call: QueuedCall, exc: BadRequest, chat_id: int | None
    ) -> QueuedCall | None:
        """What to send instead of a refused call, if anything."""
        refusal = exc.message.lower()
        data = call.params
        if call.endpoint == "answerCallbackQuery":
            if not any(part in refusal for part in _ANSWER_LATE):
                logger.warning("button answer refused: %s", exc.message)
            # The notice the alert carried must still reach the user.
            if data.get("text") and chat_id is not None:
                return _message(chat_id, {"text": data["text"]})
            return None
        gone = any(part in refusal for part in _BUTTONS_GONE)
        if (call.endpoint == "editMessageReplyMarkup" or call.aside) and gone:
            return None  # an answered prompt too old to mark needs no message instead
        if "not modified" in refusal:
            return None
        if call.endpoint == "editMessageText" and "chat_id" in data:
            # The message is too old to edit: the new text comes as a new message.
            keep = {k: v for k, v in data.items() if k in ("text", "reply_markup", "parse_mode")}
            return _message(data["chat_id"], keep)
        logger.warning("%s to chat %s refused: %s", call.endpoint, chat_id, exc.message)
        return None


@dataclass(frozen=True)
class Unsent:
    """Answers Telegram could not take now, in their order, and why."""

    calls: list[QueuedCall]
    error: str
    # Seconds Telegram asked us to wait (a flood wait, which uses up no attempt); None for
    # a failure that counts as an attempt.
    retry_after: float | None

    @classmethod
    def joined(cls, parts: Sequence[Unsent]) -> Unsent | None:
        """The unsent calls of several lanes as one; None if every lane went out."""
        if not parts:
            return None
        waits = [part.retry_after for part in parts if part.retry_after is not None]
        return cls(
            [call for part in parts for call in part.calls],
            parts[0].error,
            max(waits) if len(waits) == len(parts) else None,
        )


def _message(chat_id: int | str, fields: dict[str, str]) -> QueuedCall:
    """A plain message to send in place of a refused call."""
    return QueuedCall("sendMessage", {"chat_id": str(chat_id), **fields})


def stored_calls(calls: Sequence[QueuedCall]) -> list[dict[str, Any]]:
    """Answers in their stored form (uploads, kept in memory only, left out)."""
    return [kept for kept in (call.stored() for call in calls) if kept is not None]


def _untyped(endpoint: str) -> str:
    """The name under which do_api_request makes a call as given, without a warning.

    Telegram's method names are case-insensitive; do_api_request warns when the bot has a
    typed method of the name given (which would want typed objects, not these parameters).
    """
    return endpoint.lower()


def _stand_in(endpoint: str, params: dict[str, str]) -> bool | dict[str, Any] | list[Any]:
    """What the handler gets back now: a minimal message, or True."""
    if not endpoint.startswith("send") or endpoint == "sendChatAction":
        return True
    chat = params.get("chat_id", "")
    message = {
        "message_id": 0,
        "date": int(time.time()),
        "chat": {"id": int(chat) if chat.lstrip("-").isdigit() else 0, "type": "private"},
    }
    return [message] if endpoint == "sendMediaGroup" else message
