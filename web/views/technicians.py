"""The technicians page: open jobs, load, this month's on-time and first-time-fix."""

from __future__ import annotations

from datetime import datetime, time

from aiohttp import web

from storage.repos import dashboard as web_store
from web.access import desk_viewer
from web.deps import deps_key
from web.render import render


def percent(part: int, whole: int) -> str:
    """A share as a whole percentage, or a dash when there is nothing to measure."""
    return f"{round(100 * part / whole)} %" if whole else "–"


async def technicians_page(request: web.Request) -> web.Response:
    """Lists every active technician with load and this month's punctuality and fixes."""
    desk_viewer(request)
    deps = request.app[deps_key]
    tz = deps.settings.tz
    now = deps.clock.now()
    first = now.astimezone(tz).date().replace(day=1)
    start = datetime.combine(first, time(), tz)
    async with deps.reads() as session:
        lines = await web_store.technician_lines(session, start=start, end=now)
    return render(
        request, "technicians.html", lines=lines, percent=percent, month=first.strftime("%Y-%m")
    )
