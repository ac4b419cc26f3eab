"""CSV exports of the registers for a date range (UTF-8 with BOM, so Excel reads Chinese)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from core.i18n import catalog
from domain.parsing import parse_day
from storage.repos import exports
from web import words
from web.access import desk_viewer
from web.deps import deps_key, texts_key
from web.render import language, render

MAX_DAYS = 366
# Columns holding codes, shown as their catalog terms: per register, since one column name
# (status, root_cause) holds different codes in different registers.
TERMS: dict[str, dict[str, str]] = {
    "intake": {
        "kind": "kind",
        "channel": "channel",
        "status": "web.status",
        "warranty": "warranty_staff",
    },
    "dispatch": {},
    "costs": {"warranty": "warranty_staff", "root_cause": "tech.cause"},
    "surveys": {"survey_status": "survey.status", "question": "survey.q"},
    "complaints": {"status": "web.status", "root_cause": "complaint.cause"},
}
NUMBER = re.compile(r"^[+-]?[\d .()-]+$")


def _range(request: web.Request, today: date) -> tuple[date, date] | str:
    """The requested local date range, or the catalog key of what is wrong with it."""
    start = parse_day(request.query.get("start") or today.replace(day=1).isoformat())
    end = parse_day(request.query.get("end") or today.isoformat())
    if start is None or end is None:
        return "web.exports.bad_date"
    if end < start:
        return "web.exports.bad_order"
    if (end - start).days >= MAX_DAYS:
        return "web.exports.too_long"
    return start, end


async def exports_page(request: web.Request) -> web.Response:
    """The export form: a date range and one download per register."""
    desk_viewer(request)
    deps = request.app[deps_key]
    today = deps.clock.now().astimezone(deps.settings.tz).date()
    chosen = _range(request, today)
    start, end = chosen if isinstance(chosen, tuple) else (today.replace(day=1), today)
    return render(
        request,
        "exports.html",
        start=start.isoformat(),
        end=end.isoformat(),
        registers=list(exports.REGISTERS),
        error=None if isinstance(chosen, tuple) else chosen,
    )


def _cell(texts: Any, lang: str, terms: dict[str, str], column: str, value: Any) -> str:
    """One value as people read it in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return str(texts.when(value))
    if isinstance(value, bool):
        return str(texts.get(lang, "common.btn.yes" if value else "common.btn.no"))
    if column.endswith("_cents") and isinstance(value, int):
        return str(texts.money(value))
    if column in terms and isinstance(value, str) and f"{terms[column]}.{value}" in catalog(lang):
        return str(texts.get(lang, f"{terms[column]}.{value}"))  # a code without a term: as is
    text = _in_words(texts, lang, column, str(value))
    # A cell starting with = + - @ is a formula to Excel; customers' text must stay text.
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in "+-" and not NUMBER.match(text)):
        return "'" + text
    return text


def _in_words(texts: Any, lang: str, column: str, text: str) -> str:
    """Stored notes in the reader's words: a survey complaint's origin, an end reason."""

    def say(key: str, **args: object) -> str:
        return str(texts.get(lang, key, **args))

    if column == "description":
        return words.description(say, text)
    if column == "end_reason":
        return words.reason(say, lambda key: key in catalog(lang), text)
    return text


async def download(request: web.Request) -> web.Response:
    """One register as CSV for the requested range."""
    desk_viewer(request)
    deps = request.app[deps_key]
    name = request.match_info["register"]
    if name not in exports.REGISTERS:
        raise web.HTTPNotFound()
    tz = deps.settings.tz
    chosen = _range(request, deps.clock.now().astimezone(tz).date())
    if not isinstance(chosen, tuple):
        page = await exports_page(request)
        page.set_status(400)
        return page
    start, end = chosen
    columns, query = exports.REGISTERS[name]
    async with deps.reads() as session:
        rows = await query(
            session,
            start=datetime.combine(start, time(), tz),
            end=datetime.combine(end + timedelta(days=1), time(), tz),
        )
    texts = request.app[texts_key]
    lang = language(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([texts.get(lang, f"web.col.{column}") for column in columns])
    for row in rows:
        writer.writerow(
            [_cell(texts, lang, TERMS[name], c, v) for c, v in zip(columns, row, strict=True)]
        )
    filename = f"{name}_{start.isoformat()}_{end.isoformat()}.csv"
    return web.Response(
        body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
