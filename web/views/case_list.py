"""`/cases`: every case, closed and cancelled too, by search text and filters, 50 a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from aiohttp import web

from domain.lifecycle import CaseKind, CaseStatus
from domain.parsing import parse_count, parse_day, parse_id
from domain.validation import InputError, clean_text, normalize_phone
from storage.repos import case_search
from storage.repos import dashboard as web_store
from web.access import Viewer, viewer
from web.deps import deps_key
from web.render import render

PAGE_SIZE = 50
LAST_PAGE = 100_000  # a page number past any list: beyond it, the parameter is garbage
SEARCH_LIMIT = 100
REGION_LIMIT = 60
# Only what a phone number is written with: then its digits alone are searched as well.
PHONE_LIKE = re.compile(r"[0-9+()\-. ]+")
MIN_PHONE_DIGITS = 5


@dataclass
class Filters:
    """The list's filters as read from the query, and which ones could not be read."""

    q: str = ""
    status: str = ""
    kind: str = ""
    technician: str = ""
    region: str = ""
    start: str = ""
    end: str = ""
    unread: list[str] = field(default_factory=list)

    def query(self, page: int | None = None) -> str:
        """The query string of these filters (and a page), for links that keep them."""
        pairs = {
            name: value
            for name in ("q", "status", "kind", "technician", "region", "start", "end")
            if (value := getattr(self, name))
        }
        if page is not None and page > 1:
            pairs["page"] = str(page)
        return urlencode(pairs)


def search_text(raw: str) -> str:
    """Typed search text without control characters (PostgreSQL refuses a NUL), at most 100."""
    try:
        return clean_text(raw[:SEARCH_LIMIT], max_length=SEARCH_LIMIT)
    except InputError:
        return ""


def _choice(raw: str | None, allowed: set[str], name: str, filters: Filters) -> str:
    """A value from a fixed set; anything else is left out and noted."""
    if not raw:
        return ""
    if raw in allowed:
        return raw
    filters.unread.append(name)
    return ""


def read_filters(request: web.Request, found: Viewer) -> Filters:
    """The filters of the request; a value that cannot be read is dropped, never a 500."""
    # Each parameter read as request.query.get("name"): tests/web/test_strict_params.py finds
    # the names there and sends every route garbage in them.
    filters = Filters(q=search_text(request.query.get("q", "")))
    filters.status = _choice(request.query.get("status"), set(CaseStatus), "status", filters)
    filters.kind = _choice(request.query.get("kind"), set(CaseKind), "kind", filters)
    technician = request.query.get("technician") or ""
    if technician:
        if parse_id(technician) is None:
            filters.unread.append("technician")
        else:
            filters.technician = technician
    if not found.desk:
        filters.technician = str(found.staff_id)  # a technician sees only their own cases
    region = request.query.get("region") or ""
    if region:
        try:
            filters.region = clean_text(region, max_length=REGION_LIMIT)
        except InputError:
            filters.unread.append("region")
    for name, raw in (
        ("start", request.query.get("start") or ""),
        ("end", request.query.get("end") or ""),
    ):
        if raw and parse_day(raw) is None:
            filters.unread.append(name)
        elif raw:
            setattr(filters, name, raw)
    start, end = parse_day(filters.start), parse_day(filters.end)
    if start is not None and end is not None and start > end:
        filters.unread.extend(("start", "end"))
        filters.start = filters.end = ""
    return filters


def _case_query(filters: Filters, request: web.Request) -> case_search.CaseQuery:
    """The repository's query for the filters (days in the department's time zone)."""
    tz = request.app[deps_key].settings.tz
    start, end = parse_day(filters.start), parse_day(filters.end)
    phone: str | None = None
    digits: str | None = None
    if filters.q and PHONE_LIKE.fullmatch(filters.q):
        only = re.sub(r"\D", "", filters.q)
        digits = only if len(only) >= MIN_PHONE_DIGITS else None
        try:
            phone = normalize_phone(filters.q)
        except InputError:
            phone = None
    return case_search.CaseQuery(
        text=filters.q or None,
        phone=phone,
        digits=digits,
        status=filters.status or None,
        kind=filters.kind or None,
        technician_id=parse_id(filters.technician),
        region=filters.region or None,
        created_from=datetime.combine(start, time(), tz) if start else None,
        created_before=datetime.combine(end + timedelta(days=1), time(), tz) if end else None,
    )


async def case_list_page(request: web.Request) -> web.Response:
    """Renders one page of the matching cases with links that keep the filters."""
    found = viewer(request)
    deps = request.app[deps_key]
    filters = read_filters(request, found)
    raw_page = request.query.get("page") or ""
    page = parse_count(raw_page, maximum=LAST_PAGE) if raw_page else 1
    if page is None:
        filters.unread.append("page")
        page = 1
    where = _case_query(filters, request)
    async with deps.reads() as session:
        lines, total = await case_search.find_cases(
            session, query=where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:  # past the end: the last page
            page = pages
            lines, total = await case_search.find_cases(
                session, query=where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
            )
        regions = await case_search.case_regions(session)
        technicians = await web_store.technicians(session) if found.desk else []
    return render(
        request,
        "cases.html",
        filters=filters,
        lines=lines,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1 if lines else 0,
        last=(page - 1) * PAGE_SIZE + len(lines),
        statuses=[s.value for s in CaseStatus],
        kinds=[k.value for k in CaseKind],
        regions=regions,
        technicians=technicians,
    )
