"""Page rendering: Jinja2 templates with the catalogs in the viewer's language."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core.i18n import Texts, catalog
from web.access import LANG_COOKIE, Viewer, viewer_key
from web.badges import duration_parts
from web.deps import deps_key, sandbox_page_key, templates_key, texts_key


def language(request: web.Request) -> str:
    """The viewer's language: the session's, else the chosen one, else the default."""
    found: Viewer | None = request.get(viewer_key)
    if found is not None:
        return found.language
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("en", "zh_CN"):
        return chosen
    return request.app[deps_key].settings.default_language


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """Renders a template as an HTML response."""
    texts = request.app[texts_key]
    lang = language(request)
    page = request.app[templates_key].get_template(template)
    html = page.render(
        t=lambda key, **args: texts.get(lang, key, **args),
        has=lambda key: key in catalog(lang),
        money=texts.money,
        duration=lambda minutes: _duration(texts, lang, minutes),
        when=texts.when,
        lang=lang,
        viewer=request.get(viewer_key),
        path=request.path_qs,
        now=request.app[deps_key].clock.now(),
        sandbox_page=request.app.get(sandbox_page_key),
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _duration(texts: Texts, lang: str, minutes: int) -> str:
    """A duration in the viewer's language."""
    key, args = duration_parts(minutes)
    return texts.get(lang, key, **args)
