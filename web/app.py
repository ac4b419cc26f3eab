"""The aiohttp app: Telegram webhook, health and metrics, and the staff dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web

from core.i18n import Texts
from web.api.calls import json_errors
from web.api.routes import setup_api
from web.deps import WebDeps, deps_key, http_key, templates_key, texts_key
from web.middlewares import body_in_time, same_origin, security_headers, staff_session
from web.routes import setup_routes

HERE = Path(__file__).parent
MAX_BODY = 1024 * 1024  # Telegram's updates are far smaller; anything bigger is refused (413).


def create_app(deps: WebDeps) -> web.Application:
    """Builds the web app around the process's database, clock and inbox."""
    app = web.Application(
        middlewares=[body_in_time, security_headers, same_origin, staff_session, json_errors],
        client_max_size=MAX_BODY,
    )
    app[deps_key] = deps
    app[texts_key] = Texts(deps.settings.tz, deps.settings.currency)
    app[templates_key] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    app.cleanup_ctx.append(_http_client)
    setup_routes(app, static=HERE / "static", with_webhook=deps.settings.webhook_url is not None)
    setup_api(app)
    return app


async def serve(app: web.Application, *, host: str, port: int) -> web.AppRunner:
    """Serves the app on host:port (port 0: any free one); the runner stops it."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    """An HTTP client for fetching case photos from the Bot API, closed with the app."""
    app[http_key] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
    yield
    await app[http_key].close()
