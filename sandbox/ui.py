"""The sandbox page: phone-like chat panes of sandbox users, a clock control, JSON endpoints."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.i18n import Texts, catalog
from sandbox.botapi import BotApiServer
from sandbox.panes import Pane, pane_view, sample_photo, signature

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
MAX_TEXT = 4096
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_ADVANCE = timedelta(days=31)
WAIT_SECONDS = 20.0
WAIT_STEP = 0.15

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
)


class SandboxControl(Protocol):
    """What the page needs of the running product: its clock and a way to move it."""

    def now(self) -> datetime:
        """The product's current time."""
        ...

    async def advance(self, delta: timedelta) -> datetime:
        """Moves the product's clock and runs a scheduler tick."""
        ...


DashboardLink = Callable[[], Awaitable[str | None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The page loads its own script and talks only to this server; nothing from elsewhere.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class UiError(Exception):
    """A request the page should not have sent; answered 4xx with a translated message."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


class SandboxUi:
    """Serves /sandbox and its JSON API for a set of panes."""

    def __init__(
        self,
        server: BotApiServer,
        panes: list[Pane],
        control: SandboxControl,
        *,
        language: str,
        tz: ZoneInfo,
        dashboard: DashboardLink | None = None,
        db_label: str = "",
    ) -> None:
        self.server = server
        self.panes = {pane.key: pane for pane in panes}
        self.order = list(panes)
        self.control = control
        self.language = language
        self.texts = Texts(tz)
        self.tz = tz
        self.dashboard = dashboard
        self.db_label = db_label

    # --- wiring ---------------------------------------------------------------------------
    def setup(self, app: web.Application) -> None:
        """Adds the sandbox routes to an aiohttp app (its own, or the dashboard's)."""
        get, post = app.router.add_get, app.router.add_post
        get("/sandbox", self._guard(self.page))
        get("/sandbox/", self._guard(self.page))
        get("/sandbox/api/state", self._guard(self.state))
        get("/sandbox/api/wait", self._guard(self.wait))
        get("/sandbox/api/panes/{key}", self._guard(self.pane))
        post("/sandbox/api/panes/{key}/text", self._guard(self.send_text))
        post("/sandbox/api/panes/{key}/press", self._guard(self.press))
        post("/sandbox/api/panes/{key}/tap", self._guard(self.tap))
        post("/sandbox/api/panes/{key}/contact", self._guard(self.send_contact))
        post("/sandbox/api/panes/{key}/location", self._guard(self.send_location))
        post("/sandbox/api/panes/{key}/photo", self._guard(self.send_photo))
        post("/sandbox/api/clock", self._guard(self.advance))
        get("/sandbox/dashboard", self._guard(self.open_dashboard))
        get("/sandbox/files/{file_id}", self._guard(self.file))
        app.router.add_static("/sandbox/static", HERE / "static")

    def app(self) -> web.Application:
        """A stand-alone aiohttp app serving only the sandbox (and / redirecting to it)."""
        app = web.Application(client_max_size=MAX_PHOTO_BYTES + 4096)
        self.setup(app)
        app.router.add_get("/", _to_sandbox)
        return app

    def _guard(self, handler: Handler) -> Handler:
        """Answers UiError with {"error": text} in the page's language; sets the page's CSP."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                response = await handler(request)
            except UiError as exc:
                response = web.json_response(
                    {"ok": False, "error": self.t(exc.key)}, status=exc.status
                )
            response.headers["Content-Security-Policy"] = CSP
            response.headers["Cache-Control"] = "no-store"
            return response

        return guarded

    # --- helpers --------------------------------------------------------------------------
    def t(self, key: str, **args: Any) -> str:
        """A catalog text in the page's language."""
        return self.texts.get(self.language, key, **args)

    def _pane(self, request: web.Request) -> Pane:
        pane = self.panes.get(request.match_info["key"])
        if pane is None:
            raise UiError(404, "demo.error.unknown_pane")
        return pane

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UiError(400, "demo.error.bad_request") from None
        if not isinstance(body, dict):
            raise UiError(400, "demo.error.bad_request")
        return body

    def _clock(self) -> dict[str, str]:
        now = self.control.now()
        return {"now": now.isoformat(), "local": self.texts.when(now)}

    def _version(self) -> str:
        return signature(self.server, self.order, self.texts.when(self.control.now()))

    @staticmethod
    def _ok(**extra: Any) -> web.Response:
        return web.json_response({"ok": True, **extra})

    # --- pages ----------------------------------------------------------------------------
    async def page(self, request: web.Request) -> web.StreamResponse:
        """The sandbox page."""
        texts = {k: v for k, v in catalog(self.language).items() if k.startswith("demo.")}
        html = _templates.get_template("sandbox.html").render(
            t=self.t,
            lang="zh-CN" if self.language == "zh_CN" else "en",
            panes=self.order,
            texts_json=json.dumps(texts, ensure_ascii=False).replace("</", "<\\/"),
            has_dashboard=self.dashboard is not None,
            db_label=self.db_label,
        )
        return web.Response(text=html, content_type="text/html")

    async def state(self, request: web.Request) -> web.Response:
        """Every pane, the clock and a version to wait on."""
        return web.json_response(
            {
                "version": self._version(),
                "clock": self._clock(),
                "panes": [pane_view(self.server, p) for p in self.order],
            }
        )

    async def pane(self, request: web.Request) -> web.Response:
        """One pane's messages and reply keyboard."""
        return web.json_response(pane_view(self.server, self._pane(request)))

    async def wait(self, request: web.Request) -> web.Response:
        """Long poll: answers as soon as the version differs from ?version=, or after a while."""
        known = request.query.get("version", "")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        version = self._version()
        while version == known and loop.time() < deadline:
            await asyncio.sleep(WAIT_STEP)
            version = self._version()
        return web.json_response({"version": version, "changed": version != known})

    # --- what users do --------------------------------------------------------------------
    async def send_text(self, request: web.Request) -> web.Response:
        """The pane's user sends a text (a leading /command is a command)."""
        pane = self._pane(request)
        text = (await self._json(request)).get("text")
        if not isinstance(text, str) or not text.strip():
            raise UiError(400, "demo.error.text_empty")
        if len(text) > MAX_TEXT:
            raise UiError(400, "demo.error.text_too_long")
        return self._ok(update_id=pane.user.send_text(text.strip()))

    async def press(self, request: web.Request) -> web.Response:
        """The pane's user presses an inline button (message, row and column as shown)."""
        pane = self._pane(request)
        body = await self._json(request)
        try:
            message_id, row, column = (int(body[k]) for k in ("message_id", "row", "column"))
            msg = self.server.message(pane.user.chat_id, message_id)
            button = msg.buttons()[row][column]
        except (KeyError, IndexError, TypeError, ValueError):
            raise UiError(409, "demo.error.button_gone") from None
        if msg.deleted or button.callback_data is None:
            raise UiError(409, "demo.error.button_gone")
        return self._ok(update_id=pane.user.press_data(button.callback_data, message_id))

    async def tap(self, request: web.Request) -> web.Response:
        """The pane's user taps a reply-keyboard button."""
        pane = self._pane(request)
        wanted = (await self._json(request)).get("text")
        for row in pane.user.keyboard():
            for button in row:
                if button.text != wanted:
                    continue
                if button.request_contact:
                    return self._ok(update_id=pane.user.send_contact(pane.phone))
                if button.request_location:
                    update_id = pane.user.send_location(pane.latitude, pane.longitude)
                    return self._ok(update_id=update_id)
                return self._ok(update_id=pane.user.send_text(button.text))
        raise UiError(409, "demo.error.button_gone")

    async def send_contact(self, request: web.Request) -> web.Response:
        """The pane's user shares their own contact (as Telegram's contact button does)."""
        pane = self._pane(request)
        return self._ok(update_id=pane.user.send_contact(pane.phone))

    async def send_location(self, request: web.Request) -> web.Response:
        """The pane's user shares a location (their default spot unless one is given)."""
        pane = self._pane(request)
        body = await self._json(request) if request.can_read_body else {}
        try:
            lat = float(body.get("latitude", pane.latitude))
            lon = float(body.get("longitude", pane.longitude))
        except (TypeError, ValueError):
            raise UiError(400, "demo.error.location") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise UiError(400, "demo.error.location")
        return self._ok(update_id=pane.user.send_location(lat, lon))

    async def send_photo(self, request: web.Request) -> web.Response:
        """The pane's user sends a photo: an uploaded image, or the sample one."""
        pane = self._pane(request)
        data, caption = sample_photo(), None
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = form.get("photo")
            if isinstance(upload, web.FileField):
                data = upload.file.read()
                if not data or not (upload.content_type or "").startswith("image/"):
                    raise UiError(400, "demo.error.photo")
            caption_field = form.get("caption")
            caption = caption_field if isinstance(caption_field, str) and caption_field else None
        elif request.can_read_body:
            value = (await self._json(request)).get("caption")
            caption = value if isinstance(value, str) and value.strip() else None
        if caption is not None and len(caption) > 1024:
            raise UiError(400, "demo.error.text_too_long")
        return self._ok(update_id=pane.user.send_photo(data, caption=caption))

    # --- time, dashboard, files -----------------------------------------------------------
    async def advance(self, request: web.Request) -> web.Response:
        """Moves the product's clock forward by ?minutes/hours/days, then runs a tick."""
        body = await self._json(request)
        try:
            delta = timedelta(
                minutes=float(body.get("minutes", 0)),
                hours=float(body.get("hours", 0)),
                days=float(body.get("days", 0)),
            )
        except (TypeError, ValueError, OverflowError):
            raise UiError(400, "demo.error.advance") from None
        if not timedelta(0) < delta <= MAX_ADVANCE:
            raise UiError(400, "demo.error.advance")
        await self.control.advance(delta)
        return self._ok(clock=self._clock())

    async def open_dashboard(self, request: web.Request) -> web.Response:
        """Sends the browser to the staff dashboard, logged in as the supervisor."""
        url = await self.dashboard() if self.dashboard is not None else None
        if url is None:
            raise UiError(404, "demo.error.no_dashboard")
        raise web.HTTPFound(url)

    async def file(self, request: web.Request) -> web.Response:
        """A file known to the sandbox (photos in the chats)."""
        stored = self.server.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


async def _to_sandbox(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/sandbox")
