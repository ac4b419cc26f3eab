"""A message described as data (catalog key + arguments), rendered later in the reader's language.

Outbox rows store this form, so the code that causes a notification never needs the catalogs,
and the text is rendered in the recipient's language at send time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def at(moment: datetime) -> dict[str, str]:
    """An argument that is a moment, shown in local time."""
    return {"$dt": moment.isoformat()}


def term(key: str, **args: Any) -> dict[str, Any]:
    """An argument that is itself a catalog entry (a status, a warranty state), with its own
    arguments if it has placeholders."""
    return {"$t": key, "$args": args} if args else {"$t": key}


def money(cents: int) -> dict[str, int]:
    """An argument that is an amount of money in cents."""
    return {"$money": cents}


@dataclass(frozen=True)
class Button:
    """An inline button: a catalog key for its label and its callback data."""

    key: str
    data: str
    args: dict[str, Any] = field(default_factory=dict)
    # A Mini App to open instead of a callback (an HTTPS page of ours; data is then unused).
    web_app: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The button as JSON-safe data."""
        data: dict[str, Any] = {"key": self.key, "data": self.data, "args": self.args}
        if self.web_app is not None:
            data["web_app"] = self.web_app
        return data


@dataclass(frozen=True)
class Message:
    """A message to render: key, arguments, optional inline keyboard, optional attachments."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[Button, ...], ...] = ()
    location: tuple[float, float] | None = None
    photo_file_id: str | None = None
    # A voice note sent again by its Telegram file id (the text becomes its caption).
    voice_file_id: str | None = None
    # A document the sender makes at send time and attaches, e.g. "report:12" (the report PDF).
    document: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Turns the message into JSON-safe data for the outbox."""
        data: dict[str, Any] = {"key": self.key, "args": self.args}
        if self.buttons:
            data["buttons"] = [[b.to_json() for b in row] for row in self.buttons]
        if self.location is not None:
            data["location"] = list(self.location)
        if self.photo_file_id is not None:
            data["photo"] = self.photo_file_id
        if self.voice_file_id is not None:
            data["voice"] = self.voice_file_id
        if self.document is not None:
            data["document"] = self.document
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        """Reads a message back from outbox data."""
        rows = tuple(
            tuple(Button(b["key"], b["data"], b.get("args", {}), b.get("web_app")) for b in row)
            for row in data.get("buttons", [])
        )
        location = data.get("location")
        return cls(
            key=data["key"],
            args=data.get("args", {}),
            buttons=rows,
            location=(location[0], location[1]) if location else None,
            photo_file_id=data.get("photo"),
            voice_file_id=data.get("voice"),
            document=data.get("document"),
        )
