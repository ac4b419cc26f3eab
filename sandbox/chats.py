"""Chats and the per-chat transcript of the sandbox, with the message-sending methods."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sandbox.files import FileStore
from sandbox.formatting import check_markup, check_text, render
from sandbox.models import ApiError, SentMessage, StoredFile, bad_request
from sandbox.params import Upload, opt_float, opt_int, opt_json, opt_str, req_str

logger = logging.getLogger(__name__)

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_MEDIA_GROUP_KINDS = frozenset({"photo", "video", "document", "audio"})


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


class ChatStore:
    """Known chats, message ids shared by users and the bot, and what the bot sent."""

    def __init__(self, bot_user: dict[str, Any], files: FileStore, now: Callable[[], float]):
        self.bot_user = bot_user
        self.files = files
        self._now = now
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self._transcript: dict[int, list[SentMessage]] = {}
        self._sent: dict[tuple[int, int], SentMessage] = {}
        self._incoming: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_id: dict[int, int] = {}
        self._media_groups = 0

    # --- chats and ids -------------------------------------------------------------------
    def register_chat(self, chat: dict[str, Any]) -> None:
        """Remember a chat object (users and groups register themselves)."""
        self.chats[int(chat["id"])] = dict(chat)

    def chat(self, chat_id: int) -> dict[str, Any]:
        """Return the Chat object, synthesizing one for chats never seen before."""
        known = self.chats.get(chat_id)
        if known is not None:
            return known
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def resolve_chat(self, params: dict[str, Any]) -> int:
        """Return chat_id as an int (accepting @username of a known chat)."""
        value = params.get("chat_id")
        if isinstance(value, str) and value.startswith("@"):
            for chat_id, chat in self.chats.items():
                if chat.get("username") == value[1:]:
                    return chat_id
            raise bad_request("chat not found")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        number = opt_int(params, "chat_id")
        if number is None or number == 0:
            raise bad_request("chat not found")
        return number

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id of a chat (shared by user and bot messages)."""
        value = self._next_id.get(chat_id, 0) + 1
        self._next_id[chat_id] = value
        return value

    def record_incoming(self, message: dict[str, Any]) -> None:
        """Remember a message a user sent (so the bot can delete it, edits can refer to it)."""
        key = (int(message["chat"]["id"]), int(message["message_id"]))
        self._incoming[key] = message

    def incoming(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Return a user's message by id."""
        return self._incoming.get((chat_id, message_id))

    def incoming_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return what users sent in a chat, oldest first (latest edit; deleted ones flagged)."""
        found = [m for (chat, _), m in self._incoming.items() if chat == chat_id]
        return sorted(found, key=lambda m: int(m["message_id"]))

    # --- transcript ---------------------------------------------------------------------
    def messages(self, chat_id: int) -> list[SentMessage]:
        """Return the bot's messages in a chat, oldest first (deleted ones flagged)."""
        return list(self._transcript.get(chat_id, []))

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """Return one bot message; KeyError if the bot never sent it."""
        try:
            return self._sent[(chat_id, message_id)]
        except KeyError:
            raise KeyError(f"bot sent no message {message_id} in chat {chat_id}") from None

    def api_message(self, msg: SentMessage) -> dict[str, Any]:
        """Return the Bot API Message object of a bot message."""
        return msg.api(self.bot_user, self.chat(msg.chat_id))

    def _new(self, chat_id: int, kind: str, params: dict[str, Any]) -> SentMessage:
        msg = SentMessage(
            message_id=self.next_message_id(chat_id),
            chat_id=chat_id,
            kind=kind,
            date=int(self._now()),
            params=dict(params),
        )
        self._transcript.setdefault(chat_id, []).append(msg)
        self._sent[(chat_id, msg.message_id)] = msg
        return msg

    def _check_blocked(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def check_chat_action(self, params: dict[str, Any]) -> bool:
        """Validate sendChatAction."""
        chat_id = self.resolve_chat(params)
        self._check_blocked(chat_id)
        actions = {
            "typing", "upload_photo", "record_video", "upload_video", "record_voice",
            "upload_voice", "upload_document", "choose_sticker", "find_location",
            "record_video_note", "upload_video_note",
        }  # fmt: skip
        if opt_str(params, "action") not in actions:
            raise bad_request("wrong parameter action in request")
        return True

    def _probe(
        self, chat_id: int, kind: str, params: dict[str, Any], *, caption: bool
    ) -> SentMessage:
        """Validate text/caption parameters into a detached message (nothing is sent)."""
        probe = SentMessage(0, chat_id, kind, 0)
        key = "caption" if caption else "text"
        raw = opt_str(params, key) if caption else req_str(params, key)
        mode = opt_str(params, "parse_mode")
        plain, entities = render(raw or "", mode)
        check_text(plain, caption=caption)
        if raw is None:
            return probe
        explicit = opt_json(params, "caption_entities" if caption else "entities")
        probe.raw_text, probe.parse_mode, probe.text = raw, mode, plain
        probe.entities = explicit if isinstance(explicit, list) and not entities else entities
        return probe

    @staticmethod
    def _copy_text(dst: SentMessage, src: SentMessage) -> None:
        dst.text, dst.raw_text = src.text, src.raw_text
        dst.parse_mode, dst.entities = src.parse_mode, src.entities

    # --- sending ------------------------------------------------------------------------
    def _start(self, params: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        chat_id = self.resolve_chat(params)
        self._check_blocked(chat_id)
        return chat_id, check_markup(opt_json(params, "reply_markup"))

    def send_message(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """sendMessage."""
        chat_id, markup = self._start(params)
        probe = self._probe(chat_id, "text", params, caption=False)
        msg = self._new(chat_id, "text", params)
        self._copy_text(msg, probe)
        msg.reply_markup = markup
        return self.api_message(msg)

    def send_photo(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """sendPhoto (multipart upload, file_id or URL)."""
        chat_id, markup = self._start(params)
        probe = self._probe(chat_id, "photo", params, caption=True)
        _, sizes = self.files.resolve(params.get("photo"), "photo", uploads, "photo")
        assert sizes is not None
        msg = self._new(chat_id, "photo", params)
        self._copy_text(msg, probe)
        msg.reply_markup = markup
        msg.content = {"photo": sizes}
        msg.photo_file_id = sizes[-1]["file_id"]
        return self.api_message(msg)

    def _document_content(self, kind: str, stored: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if kind in ("document", "audio", "video"):
            obj["mime_type"] = stored.mime_type or "application/octet-stream"
        if kind == "document":
            obj["file_name"] = stored.file_name or "document"
        if kind == "video":
            obj.update(width=1280, height=720, duration=1)
        if kind in ("audio", "voice"):
            obj["duration"] = 1
        if kind == "voice":
            obj["mime_type"] = stored.mime_type or "audio/ogg"
        return {kind: obj}

    def send_document(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """sendDocument."""
        msg, stored = self._send_file("document", params, uploads)
        msg.document_file_id = stored.file_id
        return self.api_message(msg)

    def send_voice(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """sendVoice (upload or file_id)."""
        msg, stored = self._send_file("voice", params, uploads)
        msg.voice_file_id = stored.file_id
        return self.api_message(msg)

    def _send_file(
        self, kind: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> tuple[SentMessage, StoredFile]:
        """A captioned message carrying one file (a document or a voice note)."""
        chat_id, markup = self._start(params)
        probe = self._probe(chat_id, kind, params, caption=True)
        stored, _ = self.files.resolve(params.get(kind), kind, uploads, kind)
        assert stored is not None
        msg = self._new(chat_id, kind, params)
        self._copy_text(msg, probe)
        msg.reply_markup = markup
        msg.content = self._document_content(kind, stored)
        return msg, stored

    def send_location(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """sendLocation."""
        chat_id, markup = self._start(params)
        lat, lon = opt_float(params, "latitude"), opt_float(params, "longitude")
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad_request("wrong latitude/longitude specified")
        msg = self._new(chat_id, "location", params)
        msg.reply_markup = markup
        msg.latitude, msg.longitude = lat, lon
        msg.content = {"location": {"latitude": lat, "longitude": lon}}
        return self.api_message(msg)

    def send_media_group(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """sendMediaGroup: 2-10 photos/videos/documents/audios as one album."""
        chat_id = self.resolve_chat(params)
        self._check_blocked(chat_id)
        media = opt_json(params, "media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified: must be between 2 and 10")
        prepared: list[tuple[SentMessage, str, Any, list[dict[str, Any]] | None]] = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in _MEDIA_GROUP_KINDS:
                raise bad_request("wrong media type in the media group")
            probe = self._probe(chat_id, kind, item, caption=True)
            stored, sizes = self.files.resolve(item.get("media"), "media", uploads, kind)
            prepared.append((probe, kind, stored, sizes))
        self._media_groups += 1
        group_id = f"1{self._media_groups:08d}"
        out = []
        for probe, kind, stored, sizes in prepared:
            msg = self._new(chat_id, kind, params)
            self._copy_text(msg, probe)
            msg.media_group_id = group_id
            if sizes is not None:
                msg.content = {"photo": sizes}
                msg.photo_file_id = sizes[-1]["file_id"]
            else:
                msg.content = self._document_content(kind, stored)
                msg.document_file_id = stored.file_id
            out.append(self.api_message(msg))
        return out

    # --- editing ------------------------------------------------------------------------
    def _editable(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("message to edit not found")
        chat_id = self.resolve_chat(params)
        message_id = opt_int(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        msg = self._sent.get((chat_id, message_id))
        if msg is None and (chat_id, message_id) in self._incoming:
            raise bad_request("message can't be edited")
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        return msg

    def _apply_edit(
        self, msg: SentMessage, probe: SentMessage, markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        old = (msg.text, msg.entities, _inline(msg.reply_markup))
        if old == (probe.text, probe.entities, _inline(markup)):
            raise bad_request(NOT_MODIFIED)
        msg.history.append(msg.text)
        self._copy_text(msg, probe)
        if markup is not None or _inline(msg.reply_markup) is not None:
            msg.reply_markup = markup
        msg.edits += 1
        msg.edit_date = int(self._now())
        return self.api_message(msg)

    def edit_message_text(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """editMessageText; omitting reply_markup removes the inline keyboard like Telegram."""
        msg = self._editable(params)
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        markup = check_markup(opt_json(params, "reply_markup"), inline_only=True)
        probe = self._probe(msg.chat_id, "text", params, caption=False)
        return self._apply_edit(msg, probe, markup)

    def edit_message_caption(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """editMessageCaption."""
        msg = self._editable(params)
        if msg.kind in ("text", "location"):
            raise bad_request("there is no caption in the message to edit")
        markup = check_markup(opt_json(params, "reply_markup"), inline_only=True)
        probe = self._probe(msg.chat_id, msg.kind, params, caption=True)
        return self._apply_edit(msg, probe, markup)

    def edit_message_reply_markup(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """editMessageReplyMarkup."""
        msg = self._editable(params)
        markup = check_markup(opt_json(params, "reply_markup"), inline_only=True)
        if _inline(msg.reply_markup) == _inline(markup):
            raise bad_request(NOT_MODIFIED)
        msg.reply_markup = markup
        msg.edits += 1
        msg.edit_date = int(self._now())
        return self.api_message(msg)

    def _delete_one(self, chat_id: int, message_id: int) -> bool:
        msg = self._sent.get((chat_id, message_id))
        if msg is not None and not msg.deleted:
            msg.deleted = True
            return True
        incoming = self._incoming.get((chat_id, message_id))
        if incoming is not None and not incoming.get("_deleted"):
            incoming["_deleted"] = True
            return True
        return False

    def delete_message(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """deleteMessage (bot messages, and users' messages in private chats)."""
        chat_id = self.resolve_chat(params)
        message_id = opt_int(params, "message_id")
        if message_id is None or not self._delete_one(chat_id, message_id):
            raise bad_request("message to delete not found")
        return True

    def delete_messages(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """deleteMessages (silently skips missing ones, like Telegram)."""
        chat_id = self.resolve_chat(params)
        ids = opt_json(params, "message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            self._delete_one(chat_id, int(message_id))
        return True

    def get_chat(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """getChat (a minimal ChatFullInfo)."""
        chat = dict(self.chat(self.resolve_chat(params)))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        )
        return chat
