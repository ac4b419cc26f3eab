"""Data types shared by the sandbox Bot API server and its user-side driver."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would answer with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """Build a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


def too_many_requests(retry_after: int) -> ApiError:
    """Build a 429 error carrying retry_after like Telegram's flood control."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


class Fault:
    """Base class of injectable faults."""

    def error(self) -> ApiError | None:
        """Return the error to answer with, or None to answer normally."""
        return None


@dataclass(frozen=True)
class RetryAfter(Fault):
    """Answer 429 with parameters.retry_after."""

    seconds: int

    def error(self) -> ApiError | None:
        """Return a 429 flood-control error."""
        return too_many_requests(self.seconds)


@dataclass(frozen=True)
class ServerError(Fault):
    """Answer with a 5xx status."""

    status: int = 500

    def error(self) -> ApiError | None:
        """Return a server-side error."""
        return ApiError(self.status, "Internal Server Error")


@dataclass(frozen=True)
class Timeout(Fault):
    """Sleep `delay` seconds, then answer normally (so the client times out first)."""

    delay: float


@dataclass(frozen=True)
class Forbidden(Fault):
    """Answer 403 as if the user had blocked the bot."""

    description: str = "Forbidden: bot was blocked by the user"

    def error(self) -> ApiError | None:
        """Return a 403 error."""
        return ApiError(403, self.description)


@dataclass(frozen=True)
class BadRequest(Fault):
    """Answer 400 with the given description (prefixed like Telegram's)."""

    description: str = "Bad Request: something is wrong"

    def error(self) -> ApiError | None:
        """Return a 400 error."""
        text = self.description
        if not text.startswith("Bad Request"):
            text = f"Bad Request: {text}"
        return ApiError(400, text)


@dataclass
class Injection:
    """A fault armed for the next `remaining` matching calls."""

    method: str
    fault: Fault
    remaining: int
    chat_id: int | None = None


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made to the sandbox."""

    method: str
    params: dict[str, Any]
    ok: bool
    at: float


@dataclass(frozen=True)
class InlineButton:
    """One button of a keyboard as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False
    request_location: bool = False
    # A Mini App button: the page Telegram would open (inline keyboards only).
    web_app: str | None = None


@dataclass
class StoredFile:
    """A file known to the sandbox (uploaded by a user or by the bot)."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None

    def api(self) -> dict[str, Any]:
        """Return the Bot API File object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class SentMessage:
    """A message the bot sent, as it currently looks in the chat (edits applied).

    `text` is the visible text or caption (markup already parsed); `raw_text` is what the bot
    sent with `parse_mode`; `history` holds the visible texts before each edit.
    """

    message_id: int
    chat_id: int
    kind: str
    date: int
    text: str | None = None
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None
    edits: int = 0
    deleted: bool = False
    photo_file_id: str | None = None
    document_file_id: str | None = None
    voice_file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    media_group_id: str | None = None
    edit_date: int | None = None
    raw_text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    content: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    history: list[str | None] = field(default_factory=list)

    def buttons(self) -> list[list[InlineButton]]:
        """Return the inline keyboard rows (empty if there is none)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [
                InlineButton(
                    text=str(b.get("text", "")),
                    callback_data=b.get("callback_data"),
                    url=b.get("url"),
                    web_app=(b.get("web_app") or {}).get("url"),
                )
                for b in row
            ]
            for row in rows
        ]

    def button_texts(self) -> list[str]:
        """Return the texts of all inline buttons, row by row."""
        return [b.text for row in self.buttons() for b in row]

    def keyboard(self) -> list[list[InlineButton]]:
        """Return the reply-keyboard rows (ReplyKeyboardMarkup) sent with this message."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        out: list[list[InlineButton]] = []
        for row in rows:
            items: list[InlineButton] = []
            for b in row:
                if isinstance(b, str):
                    items.append(InlineButton(text=b))
                else:
                    items.append(
                        InlineButton(
                            text=str(b.get("text", "")),
                            request_contact=bool(b.get("request_contact")),
                            request_location=bool(b.get("request_location")),
                        )
                    )
            out.append(items)
        return out

    def api(self, bot_user: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
        """Return the Bot API Message object for the current state."""
        msg: dict[str, Any] = {
            "message_id": self.message_id,
            "from": bot_user,
            "chat": chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            msg["edit_date"] = self.edit_date
        if self.media_group_id is not None:
            msg["media_group_id"] = self.media_group_id
        msg.update(self.content)
        if self.text is not None:
            key = "text" if self.kind == "text" else "caption"
            msg[key] = self.text
            if self.entities:
                msg["entities" if key == "text" else "caption_entities"] = self.entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            msg["reply_markup"] = self.reply_markup
        return msg
