"""The board: open cases in columns by status, with SLA badges and filters."""

from __future__ import annotations

from aiohttp import web

from domain.lifecycle import CaseKind
from domain.parsing import parse_id
from storage.repos import dashboard as web_store
from web.access import viewer
from web.badges import badges
from web.deps import deps_key
from web.render import render


async def board_page(request: web.Request) -> web.Response:
    """Renders the board; a technician sees only their own cases."""
    found = viewer(request)
    deps = request.app[deps_key]
    kind = request.query.get("kind") or None
    where = web_store.BoardFilter(
        region=request.query.get("region") or None,
        technician_id=parse_id(request.query.get("technician")),
        kind=kind if kind in set(CaseKind) else None,
    )
    if not found.desk:
        where = web_store.BoardFilter(where.region, found.staff_id, where.kind)
    now = deps.clock.now()
    async with deps.reads() as session:
        cards = await web_store.board(session, where=where)
        regions = await web_store.regions(session)
        technicians = await web_store.technicians(session)
    columns = {status: [] for status in web_store.BOARD_STATUSES}  # type: dict[str, list[object]]
    for card in cards:
        columns[card.case.status].append((card, badges(card.case, now)))
    return render(
        request,
        "board.html",
        columns=columns,
        where=where,
        regions=regions,
        technicians=technicians,
        kinds=[k.value for k in CaseKind],
        total=len(cards),
    )
