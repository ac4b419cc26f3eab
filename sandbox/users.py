"""User-side driver of the sandbox: what Telegram users do, turned into Bot API updates."""

from __future__ import annotations

import itertools
import logging
from typing import Any

from sandbox.botapi import BotApiServer
from sandbox.formatting import utf16_len
from sandbox.models import InlineButton, SentMessage

logger = logging.getLogger(__name__)

_POLL_IDS = itertools.count(1)
MEDIA_KINDS = (
    "voice",
    "sticker",
    "video",
    "audio",
    "document",
    "animation",
    "video_note",
    "poll",
    "dice",
)


def _command_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command entity Telegram adds for a leading /command."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return []
    word = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]


def _find_button(msg: SentMessage, wanted: str) -> InlineButton | None:
    """Return the button of msg whose text is wanted (exact) or contains it (unique)."""
    buttons = [b for row in msg.buttons() for b in row]
    for button in buttons:
        if button.text == wanted:
            return button
    partial = [b for b in buttons if wanted.lower() in b.text.lower()]
    if len(partial) > 1:
        raise LookupError(
            f"{wanted!r} is ambiguous in message {msg.message_id}: {[b.text for b in partial]}"
        )
    return partial[0] if partial else None


class _ChatView:
    """Common behaviour of a private or group chat as seen from the users' side."""

    def __init__(self, server: BotApiServer, chat: dict[str, Any]) -> None:
        self.server = server
        self.chat = chat
        self.chat_id: int = int(chat["id"])
        server.chats.register_chat(chat)

    def _push(self, update: dict[str, Any]) -> int:
        """Hand one update to the server (the single path every user action goes through)."""
        return self.server.push_update(update)

    def _now(self) -> int:
        return int(self.server.now())

    def _send(self, sender: dict[str, Any], content: dict[str, Any]) -> int:
        message: dict[str, Any] = {
            "message_id": self.server.chats.next_message_id(self.chat_id),
            "from": sender,
            "chat": self.chat,
            "date": self._now(),
            **content,
        }
        self.server.chats.record_incoming(message)
        return self._push({"message": message})

    def _text(self, sender: dict[str, Any], text: str) -> int:
        content: dict[str, Any] = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        return self._send(sender, content)

    def _press(self, sender: dict[str, Any], button_text: str, message_id: int | None) -> int:
        if message_id is not None:
            candidates = [self.server.message(self.chat_id, message_id)]
        else:
            candidates = [m for m in reversed(self.inbox()) if not m.deleted]
        for msg in candidates:
            if msg.deleted:
                continue
            button = _find_button(msg, button_text)
            if button is None:
                continue
            if button.callback_data is None:
                raise ValueError(
                    f"button {button.text!r} has no callback_data (url={button.url!r}); "
                    "pressing it sends no update"
                )
            return self._callback(sender, button.callback_data, msg.message_id)
        visible = [
            f"#{m.message_id}: {m.button_texts()}"
            for m in reversed(self.inbox())
            if not m.deleted and m.button_texts()
        ]
        raise LookupError(
            f"no inline button {button_text!r} in chat {self.chat_id}; visible buttons: "
            + ("; ".join(visible) or "none")
        )

    def _callback(self, sender: dict[str, Any], data: str, message_id: int) -> int:
        try:
            msg = self.server.message(self.chat_id, message_id)
        except KeyError:
            msg = None
        message: dict[str, Any]
        if msg is None or msg.deleted:
            message = {"chat": self.chat, "message_id": message_id, "date": 0}
        else:
            message = self.server.chats.api_message(msg)
        query = {
            "id": self.server.next_callback_query_id(),
            "from": sender,
            "message": message,
            "chat_instance": str(-7_000_000_000_000_000_000 + self.chat_id),
            "data": data,
        }
        return self._push({"callback_query": query})

    def inbox(self) -> list[SentMessage]:
        """Return what the bot sent to this chat (deleted ones flagged)."""
        return self.server.messages(self.chat_id)

    def last(self) -> SentMessage:
        """Return the newest message of the bot that is not deleted."""
        for msg in reversed(self.inbox()):
            if not msg.deleted:
                return msg
        raise LookupError(f"the bot sent nothing (visible) to chat {self.chat_id}")

    def texts(self) -> list[str]:
        """Return visible texts/captions of the bot's non-deleted messages, oldest first."""
        return [m.text for m in self.inbox() if not m.deleted and m.text is not None]


class SandboxUser(_ChatView):
    """A Telegram user in a private chat with the bot."""

    def __init__(
        self,
        server: BotApiServer,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
    ) -> None:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat["last_name"] = last_name
        if username:
            chat["username"] = username
        super().__init__(server, chat)

    @property
    def user(self) -> dict[str, Any]:
        """Return the Bot API User object of this user."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        user["language_code"] = self.language_code
        return user

    def send_text(self, text: str) -> int:
        """Send a text message (a leading /command gets a bot_command entity)."""
        return self._text(self.user, text)

    def send_contact(self, phone_number: str, *, user_id: int | None = None) -> int:
        """Share a contact (by default one's own, as the request_contact button does)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": self.first_name,
            "user_id": self.user_id if user_id is None else user_id,
        }
        if self.last_name:
            contact["last_name"] = self.last_name
        return self._send(self.user, {"contact": contact})

    def send_location(self, latitude: float, longitude: float) -> int:
        """Share a location."""
        return self._send(self.user, {"location": {"latitude": latitude, "longitude": longitude}})

    def send_photo(self, data: bytes = b"\x89PNG fake", caption: str | None = None) -> int:
        """Send a photo (stored in the sandbox so the bot can getFile/download it)."""
        content: dict[str, Any] = {"photo": self.server.files.add_photo(data)}
        if caption is not None:
            content["caption"] = caption
        return self._send(self.user, content)

    def _file(self, kind: str, data: bytes, mime: str, name: str | None = None) -> dict[str, Any]:
        stored = self.server.files.add(data, kind, mime_type=mime, file_name=name)
        obj: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }
        if kind != "video_note" and kind != "sticker":
            obj["mime_type"] = mime
        if name is not None:
            obj["file_name"] = name
        return obj

    def media_content(self, kind: str) -> dict[str, Any]:
        """Return the message fields of a realistic minimal media message of this kind."""
        if kind == "voice":
            return {"voice": {**self._file(kind, b"OggS voice", "audio/ogg"), "duration": 2}}
        if kind == "sticker":
            sticker = self._file(kind, b"RIFF webp", "image/webp")
            sticker.update(
                type="regular", width=512, height=512, is_animated=False, is_video=False,
                emoji="👍", set_name="SandboxStickers",
            )  # fmt: skip
            return {"sticker": sticker}
        if kind == "video":
            video = self._file(kind, b"\x00\x00\x00\x18ftypmp42", "video/mp4", "video.mp4")
            return {"video": {**video, "width": 1280, "height": 720, "duration": 3}}
        if kind == "audio":
            audio = self._file(kind, b"ID3 audio", "audio/mpeg", "song.mp3")
            return {"audio": {**audio, "duration": 120, "performer": "Band", "title": "Song"}}
        if kind == "document":
            return {"document": self._file(kind, b"%PDF-1.4 fake", "application/pdf", "doc.pdf")}
        if kind == "animation":
            doc = self._file(kind, b"\x00\x00\x00\x18ftypmp42", "video/mp4", "animation.mp4")
            animation = {**doc, "width": 320, "height": 240, "duration": 2}
            return {"animation": animation, "document": doc}
        if kind == "video_note":
            note = self._file(kind, b"\x00\x00\x00\x18ftypmp42", "video/mp4")
            return {"video_note": {**note, "length": 240, "duration": 3}}
        if kind == "poll":
            poll = {
                "id": str(5_000_000_000_000_000_000 + next(_POLL_IDS)),
                "question": "Which day?",
                "options": [
                    {"persistent_id": "0", "text": "Mon", "voter_count": 0},
                    {"persistent_id": "1", "text": "Tue", "voter_count": 0},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
            return {"poll": poll}
        if kind == "dice":
            return {"dice": {"emoji": "🎲", "value": 4}}
        raise ValueError(f"unknown media kind {kind!r}; expected one of {MEDIA_KINDS}")

    def send_media(self, kind: str) -> int:
        """Send a media message of the given kind (see MEDIA_KINDS)."""
        return self._send(self.user, self.media_content(kind))

    def edit_text(self, message_id: int, text: str) -> int:
        """Edit one of this user's earlier text messages (an edited_message update)."""
        original = self.server.chats.incoming(self.chat_id, message_id)
        if original is None:
            raise KeyError(f"user {self.user_id} sent no message {message_id}")
        edited = {k: v for k, v in original.items() if not k.startswith("_")}
        edited.pop("entities", None)
        edited["text"] = text
        entities = _command_entities(text)
        if entities:
            edited["entities"] = entities
        edited["edit_date"] = self._now()
        self.server.chats.record_incoming(edited)
        return self._push({"edited_message": edited})

    def press(self, button_text: str, *, message_id: int | None = None) -> int:
        """Press an inline button (exact text preferred, else unique substring) of the newest
        bot message that has it (or of message_id); raises LookupError if none matches."""
        return self._press(self.user, button_text, message_id)

    def press_data(self, data: str, message_id: int) -> int:
        """Send a callback query with arbitrary (forged or stale) data for a message."""
        return self._callback(self.user, data, message_id)

    def keyboard(self) -> list[list[InlineButton]]:
        """Return the reply keyboard currently shown (from the newest message that set one)."""
        for msg in reversed(self.inbox()):
            markup = msg.reply_markup or {}
            if markup.get("remove_keyboard"):
                return []
            if "keyboard" in markup:
                return msg.keyboard()
        return []

    def tap(self, button_text: str) -> int:
        """Tap a reply-keyboard button: sends its text, or one's contact for request_contact."""
        for row in self.keyboard():
            for button in row:
                if button.text == button_text:
                    if button.request_contact:
                        return self.send_contact(f"+1555{self.user_id:07d}"[:16])
                    if button.request_location:
                        raise ValueError("use send_location() for a request_location button")
                    return self.send_text(button.text)
        shown = [b.text for row in self.keyboard() for b in row]
        raise LookupError(f"no reply-keyboard button {button_text!r}; shown: {shown}")

    def block(self) -> int:
        """Block the bot: later sends get 403, and the bot receives a my_chat_member update."""
        self.server.block(self.chat_id)
        return self._member_update("member", "kicked")

    def unblock(self) -> int:
        """Unblock the bot (a my_chat_member update back to member)."""
        self.server.unblock(self.chat_id)
        return self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> int:
        def member(status: str) -> dict[str, Any]:
            obj: dict[str, Any] = {"user": self.server.bot_user, "status": status}
            if status == "kicked":
                obj["until_date"] = 0
            return obj

        update = {
            "chat": self.chat,
            "from": self.user,
            "date": self._now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._push({"my_chat_member": update})


class SandboxGroup(_ChatView):
    """A supergroup the bot is a member of (chat_id < 0)."""

    def __init__(self, server: BotApiServer, chat_id: int, title: str) -> None:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        super().__init__(server, {"id": chat_id, "type": "supergroup", "title": title})
        self.title = title

    def send_text(self, user: SandboxUser, text: str) -> int:
        """Post a text message in the group as user."""
        return self._text(user.user, text)

    def press(self, user: SandboxUser, button_text: str, *, message_id: int | None = None) -> int:
        """Press an inline button of a bot message in the group as user."""
        return self._press(user.user, button_text, message_id)
