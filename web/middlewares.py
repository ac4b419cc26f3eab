"""Middlewares: security headers on every answer, the staff session behind every page."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from storage.repos import dashboard as web_store
from web.access import COOKIE, LANG_COOKIE, Refused, Viewer, viewer_key
from web.deps import deps_key
from web.render import render

logger = logging.getLogger(__name__)

# Pages are server-rendered and self-contained: nothing from elsewhere, no inline script.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

# The signature page runs inside Telegram (a Mini App): its own script, framed by Telegram's
# web clients, talking only to us.
MINI_APP_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'self' https://web.telegram.org https://*.telegram.org; "
    "form-action 'self'; base-uri 'none'"
)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Adds headers that keep the dashboard out of frames and its login links out of referers."""
    response = await handler(request)
    if request.path.startswith("/sign/"):
        response.headers.setdefault("Content-Security-Policy", MINI_APP_CSP)
    else:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path != "/metrics" and not request.path.startswith("/static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def staff_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Finds the logged-in staff member from the session cookie (views decide what to allow)."""
    token = request.cookies.get(COOKIE)
    if token and not request.path.startswith(("/static", "/telegram", "/healthz", "/metrics")):
        deps = request.app[deps_key]
        async with deps.reads() as session:
            found = await web_store.session_staff(session, token=token, now=deps.clock.now())
        if found is not None:
            web_session, staff = found
            language = request.cookies.get(LANG_COOKIE) or staff.language
            request[viewer_key] = Viewer(
                staff_id=staff.id,
                name=staff.name,
                roles=staff.role_set,
                csrf_token=web_session.csrf_token,
                language=language if language in ("en", "zh_CN") else "zh_CN",
            )
    try:
        return await handler(request)
    except Refused as refusal:
        return render(request, "error.html", status=403, message_key=refusal.key)
