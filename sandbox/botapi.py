"""A local Telegram Bot API server (the sandbox) that unmodified PTB bots can talk to."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from core.waiting import wait_event
from sandbox.chats import ChatStore
from sandbox.files import FileStore
from sandbox.limits import SENDING_METHODS, RateLimiter
from sandbox.models import (
    ApiCall,
    ApiError,
    BadRequest,
    Fault,
    Forbidden,
    Injection,
    RetryAfter,
    SentMessage,
    ServerError,
    StoredFile,
    Timeout,
    bad_request,
    too_many_requests,
)
from sandbox.params import Upload, normalize, opt_int, opt_str, req_str
from sandbox.profile import BotProfile
from sandbox.updates import UpdateQueue

logger = logging.getLogger(__name__)

__all__ = [
    "ApiCall",
    "BadRequest",
    "BotApiServer",
    "Fault",
    "Forbidden",
    "RetryAfter",
    "SentMessage",
    "ServerError",
    "Timeout",
]

Handler = Callable[[dict[str, Any], dict[str, Upload]], Any]


class BotApiServer:
    """An aiohttp app answering Bot API calls and recording what the bot did."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST",
        bot_id: int = 123456,
        bot_username: str = "aftersales_bot",
        bot_first_name: str = "Aftersales",
        enforce_limits: bool = False,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.enforce_limits = enforce_limits
        self.now = now
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.calls: list[ApiCall] = []
        self.rate_limited_count = 0
        self.files = FileStore()
        self.chats = ChatStore(self.bot_user, self.files, now)
        self.profile = BotProfile(self.bot_user, self.chats)
        self.updates = UpdateQueue(now)
        self.limiter = RateLimiter(now)
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self._callback_updates: dict[str, int] = {}
        self._callback_counter = 0
        self._injections: list[Injection] = []
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        self.app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        self._handlers: dict[str, Handler] = {
            "getMe": self.profile.get_me,
            "getUpdates": self._unused,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p, u: self.updates.webhook_info(),
            "sendMessage": self.chats.send_message,
            "editMessageText": self.chats.edit_message_text,
            "editMessageCaption": self.chats.edit_message_caption,
            "editMessageReplyMarkup": self.chats.edit_message_reply_markup,
            "deleteMessage": self.chats.delete_message,
            "deleteMessages": self.chats.delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self.chats.send_photo,
            "sendMediaGroup": self.chats.send_media_group,
            "sendDocument": self.chats.send_document,
            "sendVoice": self.chats.send_voice,
            "sendLocation": self.chats.send_location,
            "sendChatAction": lambda p, u: self.chats.check_chat_action(p),
            "getFile": self._get_file,
            "setMyCommands": self.profile.set_my_commands,
            "getMyCommands": self.profile.get_my_commands,
            "deleteMyCommands": self.profile.delete_my_commands,
            "setChatMenuButton": self.profile.set_chat_menu_button,
            "getChatMenuButton": self.profile.get_chat_menu_button,
            "close": lambda p, u: True,
            "logOut": lambda p, u: True,
            "getChat": self.chats.get_chat,
        }
        self._canonical = {name.lower(): name for name in self._handlers}

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (port 0 picks a free one)."""
        self._closed.clear()
        self.updates.reopen()
        self._runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host = host
        self._port = int(self._runner.addresses[0][1])
        logger.info("sandbox Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        """Wake long polls, stop webhook delivery and shut the HTTP server down."""
        self._closed.set()
        await self.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """Root URL; the bot appends /bot<token>/<method>."""
        if self._port is None:
            raise RuntimeError("BotApiServer is not started")
        return f"http://{self._host}:{self._port}"

    # --- inspection ---------------------------------------------------------------------
    def calls_to(self, method: str) -> list[ApiCall]:
        """Return recorded calls of one method (case-insensitive name)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Return what the bot sent to a chat, in order, edits applied, deleted ones flagged."""
        return self.chats.messages(chat_id)

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """Return one bot message (KeyError if unknown)."""
        return self.chats.message(chat_id, message_id)

    def callback_answer(self, update_id: int) -> dict[str, Any] | None:
        """Return the answerCallbackQuery parameters for a callback update, if answered."""
        for query_id, upd in self._callback_updates.items():
            if upd == update_id:
                return self.callback_answers.get(query_id)
        return None

    def file_bytes(self, file_id: str) -> bytes:
        """Return the stored bytes of a file (KeyError if unknown)."""
        stored = self.files.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored.data

    def store_file(self, data: bytes, kind: str = "document", **kw: Any) -> StoredFile:
        """Store bytes as a file users can send; returns the record."""
        return self.files.add(data, kind, **kw)

    # --- users -> bot -------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for the bot and return its update_id."""
        update_id = self.updates.push(update)
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_updates[str(query["id"])] = update_id
        return update_id

    def next_callback_query_id(self) -> str:
        """Return a fresh callback query id (a long numeric string like Telegram's)."""
        self._callback_counter += 1
        return str(4_000_000_000_000_000_000 + self._callback_counter)

    async def wait_acknowledged(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed the update (getUpdates offset past it or webhook 2xx)."""
        await self.updates.wait_acknowledged(update_id, timeout)

    def block(self, chat_id: int) -> None:
        """Make sends to chat_id fail with 403 (the user blocked the bot)."""
        self.chats.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo block()."""
        self.chats.blocked.discard(chat_id)

    # --- faults -------------------------------------------------------------------------
    def inject(
        self, method: str, fault: Fault, *, times: int = 1, chat_id: int | None = None
    ) -> None:
        """Make the next `times` calls of method (for chat_id, if given) fail with fault."""
        self._injections.append(Injection(method.lower(), fault, times, chat_id))

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for inj in self._injections:
            if inj.method != method.lower() or inj.remaining <= 0:
                continue
            if inj.chat_id is not None:
                try:
                    if opt_int(params, "chat_id") != inj.chat_id:
                        continue
                except ApiError:
                    continue
            inj.remaining -= 1
            if inj.remaining == 0:
                self._injections.remove(inj)
            return inj.fault
        return None

    # --- HTTP ---------------------------------------------------------------------------
    @staticmethod
    async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("request body must be a JSON object")
                raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = Upload(
                            key, value.filename, value.content_type, value.file.read()
                        )
                    else:
                        raw[key] = value
        return {key: normalize(key, value) for key, value in raw.items()}, uploads

    @staticmethod
    def _respond(status: int, body: dict[str, Any]) -> web.Response:
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._respond(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        received = request.match_info["method"]
        method = self._canonical.get(received.lower(), received)
        try:
            params, uploads = await self._read_params(request)
        except ApiError as exc:
            self.calls.append(ApiCall(method, {}, False, self.now()))
            return self._respond(exc.status, exc.payload())
        recorded = dict(params)
        for key, up in uploads.items():
            recorded.setdefault(key, f"<upload {up.filename or key}, {len(up.data)} bytes>")
        try:
            result = await self._dispatch(method, params, uploads)
        except ApiError as exc:
            self.calls.append(ApiCall(method, recorded, False, self.now()))
            if exc.status == 429:
                self.rate_limited_count += 1
            if exc.status >= 500:
                logger.info("sandbox %s -> %s %s", method, exc.status, exc.description)
            return self._respond(exc.status, exc.payload())
        self.calls.append(ApiCall(method, recorded, True, self.now()))
        return self._respond(200, {"ok": True, "result": result})

    async def _dispatch(
        self, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> Any:
        fault = self._take_fault(method, params)
        if fault is not None:
            error = fault.error()
            if error is not None:
                raise error
            if isinstance(fault, Timeout):
                await wait_event(self._closed, fault.delay)
        handler = self._handlers.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        if method == "getUpdates":
            return await self.updates.get_updates(params)
        limited = self.enforce_limits and method.lower() in SENDING_METHODS
        if limited:
            chat_id = self.chats.resolve_chat(params)
            wait = self.limiter.retry_after(chat_id)
            if wait is not None:
                raise too_many_requests(wait)
        result = handler(params, uploads)
        if limited:
            self.limiter.record(chat_id)
        return result

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._respond(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        stored = self.files.by_path(request.match_info["file_path"])
        if stored is None:
            return self._respond(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # --- small methods ------------------------------------------------------------------
    def _unused(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        raise AssertionError("handled in _dispatch")

    def _set_webhook(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        self.updates.set_webhook(params)
        return True

    def _delete_webhook(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        self.updates.delete_webhook(params)
        return True

    def _answer_callback_query(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        query_id = req_str(params, "callback_query_id")
        if query_id not in self._callback_updates or query_id in self.callback_answers:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = opt_str(params, "text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        return True

    def _get_file(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        stored = self.files.get(req_str(params, "file_id"))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.api()
