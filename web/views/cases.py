"""The case page: details, photos, timeline, assignments, quote, report, survey, links."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from aiohttp import web

from core.i18n import catalog
from domain.dispatch import Ranked
from domain.lifecycle import Actor, IllegalTransition
from domain.parsing import parse_id
from domain.survey import SCALES, Scale
from services import dispatch, report_document, report_sheet
from storage.models import CasePhoto, Staff
from storage.repos import case_messages
from storage.repos import cases as case_rows
from storage.repos import dashboard as web_store
from web import words
from web.access import Refused, Viewer, check_csrf, path_id, viewer
from web.badges import badges
from web.deps import deps_key, http_key, texts_key
from web.render import language, render
from web.views import case_actions, case_timeline

logger = logging.getLogger(__name__)


def _may_see(found: Viewer, technician_id: int | None) -> bool:
    """The desk sees every case; a technician only the ones assigned to them."""
    return found.desk or technician_id == found.staff_id


async def case_page(request: web.Request) -> web.Response:
    """Renders one case with everything known about it."""
    found = viewer(request)
    deps = request.app[deps_key]
    case_id = path_id(request, "case_id")
    async with deps.reads() as session:
        file = await web_store.case_file(session, case_id=case_id)
        if file is None or not _may_see(found, file.case.technician_id):
            raise web.HTTPNotFound()
        events = await case_rows.events_of(session, case_id=case_id)
        texts, lang = request.app[texts_key], language(request)

        def say(key: str, **args: object) -> str:
            return texts.get(lang, key, **args)

        def has(key: str) -> bool:
            return key in catalog(lang)

        timeline = await case_timeline.entries(session, events, t=say, has=has, when=texts.when)
        surveys = await web_store.surveys_of(session, case_id=case_id)
        photos = await case_rows.photos_of(session, case_id=case_id)
        thread = await case_messages.thread_of(session, case_id=case_id)
        technicians = await web_store.technicians(session) if found.may_assign else []
        today = deps.clock.now().astimezone(deps.policy.tz).date()
        ranked = (
            await dispatch.candidates(session, case=file.case, today=today) if technicians else []
        )
    order = {r.candidate.staff_id: i for i, r in enumerate(ranked)}
    technicians = sorted(technicians, key=lambda s: order.get(s.id, len(order)))  # best first
    return render(
        request,
        "case.html",
        file=file,
        events=timeline,
        # Every survey (one per repair round) with its questions and answers in words.
        surveys=[
            (survey, words.survey_status(say, survey), words.answers(say, rows))
            for survey, rows in surveys
        ],
        description=words.description(say, file.case.description),
        reason=lambda text: words.reason(say, has, text),
        photos=photos,
        thread=thread,
        badges=badges(file.case, deps.clock.now()),
        technicians=technicians,
        proposals={r.candidate.staff_id: r.reasons for r in ranked},
        notice=request.query.get("notice") if request.query.get("notice") in NOTICES else None,
        yes_no_questions=YES_NO_QUESTIONS,
        **assign_form_context(file.case.status),
        **case_actions.page_context(found, file, deps.clock.now(), request),
    )


# Survey questions answered yes or no (stored as 1 or 0): shown as the words.
YES_NO_QUESTIONS = frozenset(q.value for q, scale in SCALES.items() if scale == Scale.YES_NO)


def assign_form_context(status: str) -> dict[str, Any]:
    """Whether the assign form applies to a case in this status."""
    return {"assignable": status in ("new", "assigned", "accepted")}


NOTICES = frozenset(
    {
        "assigned",
        "not_assignable",
        "bad_technician",
        "same_technician",
        "reason_too_long",
        "uncertified",
    }
)
REASON_LIMIT = 200


async def assign(request: web.Request) -> web.Response:
    """Assigns or reassigns a technician from the case page (dispatchers and admins)."""
    found = viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    if not found.may_assign:
        raise Refused("web.refused.role")
    deps = request.app[deps_key]
    case_id = path_id(request, "case_id")
    chosen = parse_id(str(form.get("technician", "")))
    reason = str(form.get("reason", "")).strip() or None
    now = deps.clock.now()
    async with deps.sessions() as session, session.begin():
        case = await case_rows.lock_case(session, case_id=case_id)
        if case is None:
            raise web.HTTPNotFound()
        by = await session.get(Staff, found.staff_id)
        technician = await session.get(Staff, chosen) if chosen is not None else None
        notice: str | None = None
        rank: Ranked | None = None
        if case.status not in dispatch.ASSIGNABLE:
            notice = "not_assignable"
        elif (
            technician is None
            or not technician.active
            or ("technician" not in technician.role_set)
        ):
            notice = "bad_technician"
        elif technician.id == case.technician_id:
            notice = "same_technician"
        elif reason is not None and len(reason) > REASON_LIMIT:
            notice = "reason_too_long"
        else:
            today = now.astimezone(deps.policy.tz).date()
            ranked = {
                r.candidate.staff_id: r
                for r in await dispatch.candidates(session, case=case, today=today)
            }
            rank = ranked.get(technician.id)
        confirmed = form.get("confirm") == "1"
        if notice is None and rank is not None and rank.needs_confirmation and not confirmed:
            notice = "uncertified"  # the desk confirms an uncertified technician first
        if notice is None and technician is not None:
            try:
                await dispatch.assign(
                    session,
                    case=case,
                    technician=technician,
                    by=by,
                    actor=Actor.DESK,
                    now=now,
                    policy=deps.policy,
                    rank_reason=rank.code() if rank else None,
                    reason=reason,
                    certification=rank.certification if rank else None,
                )
            except IllegalTransition:
                notice = "not_assignable"
            else:
                notice = "assigned"
                logger.info(
                    "case assigned from the dashboard by staff %s",
                    found.staff_id,
                    extra={"case": case.number},
                )
    if notice == "assigned":
        deps.after_change()
    raise web.HTTPFound(f"/cases/{case_id}?notice={notice}")


async def photo(request: web.Request) -> web.StreamResponse:
    """Streams a case photo from the Bot API to a viewer allowed to see the case."""
    found = viewer(request)
    deps = request.app[deps_key]
    case_id = path_id(request, "case_id")
    photo_id = path_id(request, "photo_id")
    async with deps.reads() as session:
        case = await case_rows.get_case(session, case_id=case_id)
        row = await session.get(CasePhoto, photo_id)
    if case is None or row is None or row.case_id != case_id:
        raise web.HTTPNotFound()
    if not _may_see(found, case.technician_id):
        raise web.HTTPNotFound()
    data = await _telegram_file(request, row.file_id, f"photo {row.id}")
    content_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return web.Response(
        body=data, content_type=content_type, headers={"Cache-Control": "private, max-age=3600"}
    )


async def message_file(request: web.Request) -> web.StreamResponse:
    """Streams the photo or voice note of a conversation message to a viewer of the case."""
    found = viewer(request)
    deps = request.app[deps_key]
    case_id = path_id(request, "case_id")
    message_id = path_id(request, "message_id")
    kind = request.match_info["kind"]
    async with deps.reads() as session:
        case = await case_rows.get_case(session, case_id=case_id)
        row = await case_messages.get_message(session, message_id=message_id)
    if case is None or row is None or row.case_id != case_id:
        raise web.HTTPNotFound()
    file_id = row.photo_file_id if kind == "photo" else row.voice_file_id
    if file_id is None or not _may_see(found, case.technician_id):
        raise web.HTTPNotFound()
    data = await _telegram_file(request, file_id, f"message {row.id}")
    if kind == "voice":
        content_type = "audio/ogg"
    else:
        content_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return web.Response(
        body=data, content_type=content_type, headers={"Cache-Control": "private, max-age=3600"}
    )


async def _telegram_file(request: web.Request, file_id: str, what: str) -> bytes:
    """A file's bytes from the Bot API (getFile, then the download); 404 or 502 otherwise."""
    deps = request.app[deps_key]
    if deps.settings.bot_token is None:
        raise web.HTTPNotFound()
    base = deps.settings.telegram_base_url.rstrip("/")
    token = deps.settings.bot_token.get_secret_value()
    client = request.app[http_key]
    try:
        async with client.get(f"{base}/bot{token}/getFile", params={"file_id": file_id}) as r:
            answer = await r.json()
        path = answer.get("result", {}).get("file_path") if answer.get("ok") else None
        if not path:
            raise web.HTTPNotFound()
        async with client.get(f"{base}/file/bot{token}/{path}") as r:
            if r.status != 200:
                raise web.HTTPNotFound()
            data = await r.read()
    except (aiohttp.ClientError, TimeoutError):
        logger.warning("%s could not be fetched from Telegram", what)
        raise web.HTTPBadGateway() from None
    return data


async def report_pdf(request: web.Request) -> web.Response:
    """The case's latest service report as the customer's PDF, in the viewer's language."""
    found = viewer(request)
    deps = request.app[deps_key]
    case_id = path_id(request, "case_id")
    async with deps.reads() as session:
        case = await case_rows.get_case(session, case_id=case_id)
        sheet = await report_sheet.latest_of_case(session, case=case) if case else None
    if case is None or sheet is None or not _may_see(found, case.technician_id):
        raise web.HTTPNotFound()
    texts = request.app[texts_key]
    name, data = await report_document.pdf(sheet, texts, deps.settings, language(request))
    return web.Response(
        body=data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
