"""Middlewares: the body read in time, security headers, same-origin posts, the staff session."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
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


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@web.middleware
async def body_in_time(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reads a request's body within the read timeout, so a stalled client holds nothing long.

    aiohttp waits for a body for as long as the client keeps the connection open. Read here
    (post() and read() keep what they read), the views get it at once.
    """
    if request.body_exists:
        timeout = request.app[deps_key].settings.http_read_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                if request.method == "POST" and request.content_type in FORM_TYPES:
                    await request.post()
                else:
                    await request.read()
        except TimeoutError:
            logger.info(
                "no complete request body from %s within %s s; connection closed",
                request.remote,
                timeout,
            )
            request.protocol.force_close()  # no lingering: the client sends nothing more
            raise web.HTTPRequestTimeout() from None
        except (ConnectionError, HttpProcessingError):
            # The client hung up (or broke off its body): nobody is left to answer.
            logger.info("client %s went away before sending its whole request", request.remote)
            raise web.HTTPBadRequest() from None
    return await handler(request)


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
    # Login links never leave the site in a Referer; our own forms still send their Origin
    # (under no-referrer a browser sends "Origin: null", which same_origin must refuse).
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path != "/metrics" and not request.path.startswith("/static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _origin_of(url: str) -> str | None:
    """host[:port] of an Origin or Referer value; None for "null" or anything unreadable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


@web.middleware
async def same_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuses a browser's POST sent from another site (login CSRF included).

    Browsers send Origin with every POST (Referer for the oldest); a request with neither
    comes from no browser and so carries no victim's cookies. Forms also carry CSRF tokens.
    """
    # The API authenticates with a bearer key, never a cookie: another site gains nothing.
    if request.method in UNSAFE_METHODS and not request.path.startswith("/api/"):
        claimed = request.headers.get("Origin") or request.headers.get("Referer")
        if claimed is not None:
            ours = {request.host.lower()}
            public_url = request.app[deps_key].settings.public_url
            if public_url:
                ours.add(urlsplit(public_url).netloc.lower())
            if _origin_of(claimed) not in ours:
                logger.warning(
                    "%s %s refused: sent from %s", request.method, request.path, claimed[:100]
                )
                return render(request, "error.html", status=403, message_key="web.refused.csrf")
    return await handler(request)


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
    except web.HTTPNotFound:
        if request.path.startswith(("/api/", "/static", "/telegram", "/healthz", "/metrics")):
            raise
        # A page in the reader's language, not aiohttp's English "404: Not Found".
        return render(
            request, "error.html", status=404, message_key="words.not_found",
            title_key="words.not_found_title",
        )  # fmt: skip
