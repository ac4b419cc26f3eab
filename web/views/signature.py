"""The customer's signature on the service report: a Telegram Mini App page.

The page itself holds nothing private. Its script sends Telegram's signed launch data
(`initData`) back; only a launch signed for this bot, fresh, by the case's customer or the
report's technician (who hands the phone over on site) sees the report or may sign it.
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from core.webapp_data import LaunchData, verify
from domain.lifecycle import CaseStatus
from services import closing, report_sheet
from services.report_sheet import ReportSheet
from storage.repos import cases as case_rows
from storage.repos import people, reports
from web.access import path_id
from web.deps import deps_key, templates_key, texts_key
from web.render import render

logger = logging.getLogger(__name__)

PNG = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE = 300 * 1024  # a signature pad's PNG is some tens of kilobytes


class _Refusal(Exception):
    """A request this page answers with a status and a catalog message."""

    def __init__(self, status: int, key: str, language: str) -> None:
        super().__init__(key)
        self.status, self.key, self.language = status, key, language


async def page(request: web.Request) -> web.Response:
    """The page Telegram opens: the report is fetched by its script, then the pad is shown."""
    report_id = path_id(request, "report_id")
    return render(request, "sign.html", report_id=report_id)


async def sheet(request: web.Request) -> web.Response:
    """The report in the customer's language, for a checked launch."""
    try:
        found, _ = await _checked(request)
    except _Refusal as refusal:
        return _refused(request, refusal)
    texts = request.app[texts_key]
    language = found.language
    fragment = (
        request.app[templates_key]
        .get_template("sign_sheet.html")
        .render(
            sheet=found,
            t=lambda key, **args: texts.get(language, key, **args),
            when=texts.when,
            money=texts.money,
        )
    )
    labels = {
        "sign-here": texts.get(language, "sheet.sign_here"),
        "clear": texts.get(language, "sheet.clear"),
        "accept": texts.get(language, "sheet.accept"),
    }
    return web.json_response(
        {
            "html": fragment,
            "pending": found.awaiting_confirmation,
            "language": language,
            "labels": labels,
        }
    )


async def sign(request: web.Request) -> web.Response:
    """Stores the signature and closes the case, as the customer's confirmation in chat does."""
    try:
        found, launch = await _checked(request)
        png = _signature(request, await _body(request), found.language)
    except _Refusal as refusal:
        return _refused(request, refusal)
    deps = request.app[deps_key]
    async with deps.sessions() as session, session.begin():
        case = await case_rows.lock_case(session, case_id=found.case_id)
        report = await reports.get_report(session, report_id=found.report_id)
        customer = (
            await people.get_customer_by_id(session, customer_id=case.customer_id)
            if case
            else None
        )
        if (
            case is None
            or report is None
            or customer is None
            or report.confirmation != "pending"
            or case.status != CaseStatus.RESOLVED
        ):
            return _refused(request, _Refusal(409, "sheet.too_late", found.language))
        await closing.confirm(
            session,
            case=case,
            report=report,
            customer=customer,
            now=deps.clock.now(),
            policy=deps.policy,
            signature_png=png,
            signed_by=launch.user_id,
        )
    deps.after_change()
    logger.info("report %s signed on site", found.report_id, extra={"case": found.number})
    texts = request.app[texts_key]
    return web.json_response({"ok": True, "message": texts.get(found.language, "sheet.done")})


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON body, or a refusal."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _Refusal(400, "sheet.refused", request.app[deps_key].settings.default_language)
    return body


async def _checked(request: web.Request) -> tuple[ReportSheet, LaunchData]:
    """The report and the launch, if the launch is Telegram's, fresh, and by someone entitled."""
    deps = request.app[deps_key]
    fallback = deps.settings.default_language
    report_id = path_id(request, "report_id")
    body = await _body(request)
    init_data = body.get("init_data")
    token = deps.settings.bot_token
    if not isinstance(init_data, str) or token is None or len(init_data) > 4096:
        raise _Refusal(403, "sheet.refused", fallback)
    launch = verify(
        init_data,
        token.get_secret_value(),
        now=deps.clock.now(),
        max_age=timedelta(hours=deps.settings.signature_link_hours),
    )
    if launch is None:
        raise _Refusal(403, "sheet.refused", fallback)
    async with deps.reads() as session:
        found = await report_sheet.load(session, report_id=report_id)
    entitled = found is not None and launch.user_id in (
        found.customer_telegram_id,
        found.technician_telegram_id,
    )
    if found is None or not entitled:
        raise _Refusal(403, "sheet.refused", fallback)
    return found, launch


def _signature(request: web.Request, body: dict[str, Any], language: str) -> bytes:
    """The PNG of the signature pad, from its data URL."""
    value = body.get("signature")
    prefix = "data:image/png;base64,"
    if not isinstance(value, str) or not value.startswith(prefix):
        raise _Refusal(422, "sheet.empty", language)
    try:
        png = base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Refusal(422, "sheet.empty", language) from exc
    if not png.startswith(PNG) or len(png) > MAX_SIGNATURE:
        raise _Refusal(422, "sheet.empty", language)
    return png


def _refused(request: web.Request, refusal: _Refusal) -> web.Response:
    """A refusal as JSON with the message in the reader's language."""
    texts = request.app[texts_key]
    return web.json_response(
        {"ok": False, "message": texts.get(refusal.language, refusal.key)}, status=refusal.status
    )
