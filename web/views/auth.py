"""Login through a one-time link from the bot, logout, language switch."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from aiohttp import web

from storage.repos import dashboard as web_store
from web.access import COOKIE, LANG_COOKIE, check_csrf, viewer, viewer_key
from web.deps import deps_key
from web.render import render

logger = logging.getLogger(__name__)


async def login_help(request: web.Request) -> web.Response:
    """Tells a visitor how to log in (send /dashboard to the bot)."""
    if request.get(viewer_key) is not None:
        raise web.HTTPFound("/")
    return render(request, "login.html", state="help", token="")


async def login_page(request: web.Request) -> web.Response:
    """Shows a sign-in button for a valid link; a link preview fetching it uses nothing up."""
    deps = request.app[deps_key]
    token = request.match_info["token"]
    async with deps.reads() as session:
        usable = await web_store.login_token_usable(session, token=token, now=deps.clock.now())
    if not usable:
        return render(request, "login.html", state="invalid", token="", status=410)
    return render(request, "login.html", state="confirm", token=token)


async def login(request: web.Request) -> web.Response:
    """Uses the link once and opens a session (HttpOnly, SameSite cookie)."""
    deps = request.app[deps_key]
    now = deps.clock.now()
    session_token = secrets.token_urlsafe(32)
    async with deps.sessions() as session, session.begin():
        staff = await web_store.redeem_login_token(
            session, token=request.match_info["token"], now=now
        )
        if staff is not None:
            await web_store.open_web_session(
                session,
                staff_id=staff.id,
                token=session_token,
                csrf_token=secrets.token_urlsafe(32),
                now=now,
                valid_for=timedelta(hours=deps.settings.dashboard_session_hours),
            )
    if staff is None:
        return render(request, "login.html", state="invalid", token="", status=410)
    logger.info("dashboard login by staff %s", staff.id)
    response = web.HTTPFound("/")
    response.set_cookie(
        COOKIE,
        session_token,
        max_age=int(deps.settings.dashboard_session_hours * 3600),
        httponly=True,
        samesite="Lax",
        secure=(deps.settings.public_url or "").startswith("https://"),
        path="/",
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    """Ends the session (CSRF-checked) and forgets the cookie."""
    found = viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    deps = request.app[deps_key]
    async with deps.sessions() as session, session.begin():
        await web_store.close_web_session(session, token=request.cookies.get(COOKIE, ""))
    response = web.HTTPFound("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


async def switch_language(request: web.Request) -> web.Response:
    """Remembers the chosen language and goes back to the page the viewer was on."""
    code = request.match_info["code"]
    if code not in ("en", "zh_CN"):
        raise web.HTTPNotFound()
    back = request.query.get("next", "/")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"  # never an open redirect
    response = web.HTTPFound(back)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", path="/")
    raise response
