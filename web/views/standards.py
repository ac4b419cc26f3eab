"""The standards page: the monthly service-standard report, charts, targets, month picker."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from core.i18n import Texts, catalog
from core.money import DEFAULT_CURRENCY, format_money
from domain.metrics import month_range, previous_month
from services.report_tables import TABLES, csv_text, table
from services.standards import targets_of
from storage.repos.standards import service_report
from web.access import desk_viewer
from web.charts import Bar, percent_bars
from web.deps import deps_key, texts_key
from web.render import language, render


def show(
    value: float | None, unit: str, currency: str = DEFAULT_CURRENCY, hours: str = "{value} h"
) -> str:
    """A figure as people read it, by its unit (`hours`: the reader's pattern for hours)."""
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "money":
        return format_money(value, currency)
    if unit == "count":
        return str(int(value))
    if unit == "hours":
        return hours.format(value=f"{value:.1f}")
    return f"{value:.2f}"


def label(texts: Texts, lang: str, key: str) -> str:
    """A figure's name from the catalog (the key itself if the catalog lacks it)."""
    return texts.get(lang, f"metric.{key}") if f"metric.{key}" in catalog(lang) else key


async def standards_page(request: web.Request) -> web.Response:
    """Renders one month's report (default: the current month) against the targets."""
    desk_viewer(request)
    deps = request.app[deps_key]
    month, start, end, error = _month(request)
    async with deps.reads() as session:
        report = await service_report(
            session, start=start, end=end, settings_targets=targets_of(deps.settings),
            as_of=deps.clock.now(),
        )  # fmt: skip
    texts = request.app[texts_key]
    lang = language(request)
    bars = [
        Bar(label(texts, lang, m.key), m.value, m.target, m.met)
        for m in report.metrics
        if m.unit == "%" and m.key != "complaint_rate_pct"
    ]
    chart = percent_bars(bars, title=texts.get(lang, "web.standards.chart")) if bars else None
    return render(
        request, "standards.html", month=month, report=report, chart=chart, error=error,
        previous=previous_month(start, tz=deps.settings.tz), tables=TABLES,
        show=lambda value, unit: show(
            value, unit, texts.currency, texts.get(lang, "words.unit.hours", value="{value}")
        ),
    )  # fmt: skip


def _month(request: web.Request) -> tuple[str, datetime, datetime, str | None]:
    """The requested month (default and on bad input: the current one), its UTC range, and
    the catalog key of what was wrong with the request, if anything."""
    deps = request.app[deps_key]
    tz = deps.settings.tz
    current = deps.clock.now().astimezone(tz).strftime("%Y-%m")
    month = request.query.get("month") or current
    try:
        start, end = month_range(month, tz)
        return month, start, end, None
    except ValueError:
        start, end = month_range(current, tz)
        return current, start, end, "web.standards.bad_month"


async def download(request: web.Request) -> web.Response:
    """One table of a month's report as CSV, in the viewer's language (UTF-8 with a BOM):
    the same figures and columns as `aftersales report monthly --csv`."""
    desk_viewer(request)
    name = request.match_info["table"]
    if name not in TABLES:
        raise web.HTTPNotFound()
    month, start, end, error = _month(request)
    if error is not None:
        page = await standards_page(request)
        page.set_status(400)
        return page
    deps = request.app[deps_key]
    async with deps.reads() as session:
        report = await service_report(
            session, start=start, end=end, settings_targets=targets_of(deps.settings),
            as_of=deps.clock.now(),
        )  # fmt: skip
    rows = table(request.app[texts_key], language(request), report, name)
    return web.Response(
        body=csv_text(rows).encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="standards_{month}_{name}.csv"',
        },
    )
