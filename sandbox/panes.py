"""What a chat pane of the sandbox page shows: both sides of a private chat, as JSON."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from core import webapp_data
from sandbox.botapi import BotApiServer
from sandbox.models import SentMessage
from sandbox.users import SandboxUser

FILES_PATH = "/sandbox/files/"


@dataclass(frozen=True)
class Pane:
    """One phone of the page: a sandbox user, who they are and where they stand."""

    key: str
    role: str
    name: str
    phone: str
    user: SandboxUser
    latitude: float = 31.2304
    longitude: float = 121.4737


def _photo_url(sizes: Any) -> str | None:
    """The URL of the largest size of a Bot API photo (a list of PhotoSize)."""
    if isinstance(sizes, list) and sizes and isinstance(sizes[-1], dict):
        return FILES_PATH + str(sizes[-1]["file_id"])
    return None


def mini_app_url(server: BotApiServer, user: SandboxUser, url: str) -> str:
    """A Mini App's page as Telegram opens it: the user's launch data, signed, in the fragment."""
    signed_at = datetime.fromtimestamp(server.now(), UTC)
    launch = webapp_data.sign(user.user, server.token, signed_at=signed_at)
    return f"{url}#tgWebAppData={quote(launch, safe='')}"


def _buttons(
    msg: SentMessage, open_app: Callable[[str], str] | None = None
) -> list[list[dict[str, Any]]]:
    """Inline keyboard rows: text, and pressable (callback), a link, or a Mini App to open."""
    rows: list[list[dict[str, Any]]] = []
    for row in msg.buttons():
        rows.append(
            [
                {
                    "text": b.text,
                    "pressable": b.callback_data is not None,
                    "url": b.url,
                    "web_app": open_app(b.web_app) if b.web_app and open_app else None,
                }
                for b in row
            ]
        )
    return rows


def bot_message(
    msg: SentMessage,
    open_app: Callable[[str], str] | None = None,
    document_name: str | None = None,
) -> dict[str, Any]:
    """A message the bot sent, as it looks now (edits applied)."""
    view: dict[str, Any] = {
        "id": msg.message_id,
        "from": "bot",
        "kind": msg.kind,
        "date": msg.date,
        "text": msg.text,
        "entities": msg.entities,
        "buttons": _buttons(msg, open_app),
        "edited": msg.edits > 0,
        "deleted": msg.deleted,
    }
    if msg.photo_file_id is not None:
        view["photo"] = FILES_PATH + msg.photo_file_id
    if msg.document_file_id is not None:
        view["document"] = FILES_PATH + msg.document_file_id
        view["document_name"] = document_name
    if msg.voice_file_id is not None:
        view["voice"] = FILES_PATH + msg.voice_file_id
    if msg.latitude is not None and msg.longitude is not None:
        view["location"] = {"latitude": msg.latitude, "longitude": msg.longitude}
    return view


def user_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message the user sent."""
    view: dict[str, Any] = {
        "id": int(message["message_id"]),
        "from": "user",
        "kind": "text",
        "date": message.get("date"),
        "text": message.get("text", message.get("caption")),
        "entities": [],
        "buttons": [],
        "edited": "edit_date" in message,
        "deleted": bool(message.get("_deleted")),
    }
    if "photo" in message:
        view["kind"] = "photo"
        view["photo"] = _photo_url(message["photo"])
    elif "contact" in message:
        view["kind"] = "contact"
        view["contact"] = {
            "phone_number": message["contact"].get("phone_number"),
            "first_name": message["contact"].get("first_name"),
        }
    elif "location" in message:
        view["kind"] = "location"
        view["location"] = dict(message["location"])
    elif "text" not in message:
        view["kind"] = next(
            (k for k in ("voice", "sticker", "video", "document", "audio") if k in message),
            "other",
        )
    return view


def keyboard(user: SandboxUser) -> list[list[dict[str, Any]]]:
    """The reply keyboard the bot currently shows this user."""
    return [
        [
            {
                "text": b.text,
                "request_contact": b.request_contact,
                "request_location": b.request_location,
            }
            for b in row
        ]
        for row in user.keyboard()
    ]


def transcript(server: BotApiServer, user: SandboxUser) -> list[dict[str, Any]]:
    """Both sides of the chat, in order (message ids are shared by both sides)."""

    def open_app(url: str) -> str:
        return mini_app_url(server, user, url)

    def name_of(file_id: str | None) -> str | None:
        stored = server.files.get(file_id) if file_id else None
        return stored.file_name if stored else None

    views = [
        bot_message(m, open_app, name_of(m.document_file_id))
        for m in server.messages(user.chat_id)
    ]
    views += [user_message(m) for m in server.chats.incoming_messages(user.chat_id)]
    return sorted(views, key=lambda v: int(v["id"]))


def pane_view(server: BotApiServer, pane: Pane) -> dict[str, Any]:
    """Everything one pane shows."""
    return {
        "key": pane.key,
        "role": pane.role,
        "name": pane.name,
        "user_id": pane.user.user_id,
        "messages": transcript(server, pane.user),
        "keyboard": keyboard(pane.user),
    }


def signature(server: BotApiServer, panes: list[Pane], clock_text: str) -> str:
    """A short fingerprint that changes whenever anything a pane shows changes."""
    parts: list[str] = [clock_text]
    for pane in panes:
        sent = server.messages(pane.user.chat_id)
        incoming = server.chats.incoming_messages(pane.user.chat_id)
        parts.append(
            f"{pane.key}:{len(sent)}:{sum(m.edits for m in sent)}:"
            f"{sum(m.deleted for m in sent)}:{len(incoming)}:"
            f"{sum(bool(m.get('_deleted')) for m in incoming)}:"
            f"{sum('edit_date' in m for m in incoming)}"
        )
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def sample_photo(width: int = 96, height: int = 64) -> bytes:
    """A small PNG (a sky-blue picture with a darker band) for "send a sample photo"."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        colour = (40, 90, 160) if height // 3 <= y < 2 * height // 3 else (120, 180, 230)
        rows.extend(bytes(colour) * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )
