"""The supplier claim register (supervisors, admins): outcomes recorded, CSV export."""

from __future__ import annotations

import csv
import io
import logging

from aiohttp import web

from core.money import format_part_lines
from domain.parsing import parse_id
from services import supplier_claims
from storage.models import Staff
from storage.repos import claims
from web.access import Refused, Viewer, check_csrf, viewer
from web.deps import deps_key, texts_key
from web.render import language, render

logger = logging.getLogger(__name__)

ROLES = frozenset({"supervisor", "admin"})
NOTE_LIMIT = 500
COLUMNS = ("case", "supplier", "parts", "opened", "outcome", "note")


def claims_viewer(request: web.Request) -> Viewer:
    """A logged-in supervisor or admin (purchasing works with their accounts); others 403."""
    found = viewer(request)
    if not found.roles & ROLES:
        raise Refused("web.refused.role")
    return found


async def claims_page(request: web.Request) -> web.Response:
    """Every supplier claim, newest first, with a form for the open ones' outcome."""
    claims_viewer(request)
    deps = request.app[deps_key]
    async with deps.reads() as session:
        rows = await claims.claims_with_cases(session)
    notice = request.query.get("notice")
    return render(
        request, "claims.html", rows=rows,
        part_lines=lambda parts: format_part_lines(parts, deps.settings.currency),
        outcomes=supplier_claims.OUTCOMES,
        notice=notice if notice in ("recorded", "bad_outcome") else None,
    )  # fmt: skip


async def record(request: web.Request) -> web.Response:
    """Records a claim's outcome from the register's form."""
    found = claims_viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    deps = request.app[deps_key]
    claim_id = parse_id(request.match_info["claim_id"])
    outcome = str(form.get("outcome", ""))
    note = str(form.get("note", "")).strip() or None
    if outcome not in supplier_claims.OUTCOMES or (note and len(note) > NOTE_LIMIT):
        raise web.HTTPFound("/claims?notice=bad_outcome")
    async with deps.sessions() as session, session.begin():
        claim = await claims.get_claim(session, claim_id=claim_id) if claim_id else None
        by = await session.get(Staff, found.staff_id)
        if claim is None or by is None:
            raise web.HTTPNotFound()
        await supplier_claims.record_outcome(
            session, claim=claim, outcome=outcome, note=note, by=by, now=deps.clock.now()
        )
    logger.info("supplier claim %s: %s", claim_id, outcome)
    raise web.HTTPFound("/claims?notice=recorded")


async def download(request: web.Request) -> web.Response:
    """The register as CSV (with a BOM, so spreadsheet programs read the Chinese)."""
    claims_viewer(request)
    deps = request.app[deps_key]
    async with deps.reads() as session:
        rows = await claims.claims_with_cases(session)
    texts = request.app[texts_key]
    lang = language(request)
    tz = deps.settings.tz
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([texts.get(lang, f"web.claims.col.{c}") for c in COLUMNS])
    for claim, number in rows:
        writer.writerow([
            number, claim.supplier,
            format_part_lines(claim.parts, deps.settings.currency).replace("\n", "; "),
            claim.opened_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            texts.get(lang, f"web.claims.outcome.{claim.outcome}"), claim.outcome_note or "",
        ])  # fmt: skip
    return web.Response(
        body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="supplier_claims.csv"',
        },
    )
