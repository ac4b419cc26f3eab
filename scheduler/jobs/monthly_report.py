"""The monthly service-standard report, sent to the supervisors on the 1st of each month.

The calendar row comes from scheduler.recurring (one per month, at the digest hour on the 1st).
A row that fires more than a week late (a long outage, a brand-new database) is not pushed:
`aftersales report monthly` prints any month on demand.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.i18n import Texts
from core.messages import Message
from domain.metrics import ServiceReport, month_range, previous_month
from scheduler.notices import to_admins
from scheduler.recurring import monthly_at, recurring
from scheduler.registry import JobContext
from services import notify
from services.report_tables import report_rows
from services.standards import targets_of
from storage.models import Reminder
from storage.repos import people
from storage.repos import standards as service_standard

logger = logging.getLogger(__name__)

KIND = "monthly_report"
LATE_LIMIT = timedelta(days=7)
# Telegram allows 4096 characters: the message keeps the busiest rows, the CLI has them all.
MAX_ROWS = 15


def report_text(texts: Texts, language: str, report: ServiceReport, month: str) -> str:
    """The report as one Telegram message."""
    lines = [texts.get(language, "standard.title", month=month)]
    for label, value, target, verdict in report_rows(texts, language, report):
        if target == "-":
            lines.append(texts.get(language, "standard.line", label=label, value=value))
        else:
            lines.append(
                texts.get(
                    language,
                    "standard.line_target",
                    label=label,
                    value=value,
                    target=target,
                    verdict=verdict,
                )
            )
    if report.by_technician:
        lines.append(texts.get(language, "standard.by_technician"))
        for row in sorted(report.by_technician, key=lambda r: -int(r["closed"]))[:MAX_ROWS]:
            lines.append(
                texts.get(
                    language,
                    "standard.technician_line",
                    name=row["technician_name"],
                    closed=row["closed"],
                    ftf=_pct(row["first_time_fix_pct"]),
                    satisfaction=_score(row["avg_satisfaction"]),
                    complaints=row["complaints"],
                )
            )
    if report.by_category:
        lines.append(texts.get(language, "standard.by_category"))
        for row in sorted(report.by_category, key=lambda r: -int(r["closed"]))[:MAX_ROWS]:
            lines.append(
                texts.get(
                    language,
                    "standard.category_line",
                    category=row["category"] or texts.get(language, "standard.no_category"),
                    closed=row["closed"],
                    ftf=_pct(row["first_time_fix_pct"]),
                    repeats=row["repeat_repairs"],
                    complaints=row["complaints"],
                )
            )
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    """A percentage or a dash."""
    return "-" if value is None else f"{value:.1f} %"


def _score(value: float | None) -> str:
    """A score or a dash."""
    return "-" if value is None else f"{value:.2f}"


@recurring(KIND, next_due=monthly_at(1, lambda settings: settings.digest_hour))
async def send_monthly_report(ctx: JobContext, reminder: Reminder) -> None:
    """Sends last month's report to every supervisor (the admins when there is none)."""
    if ctx.now - reminder.due_at > LATE_LIMIT:
        logger.info("monthly report row %s is too late to push; skipped", reminder.key)
        return
    month = previous_month(reminder.due_at, ctx.settings.tz)
    start, end = month_range(month, ctx.settings.tz)
    report = await service_standard.service_report(
        ctx.session, start=start, end=end, settings_targets=targets_of(ctx.settings), as_of=ctx.now
    )
    texts = Texts(ctx.settings.tz, ctx.settings.currency)
    rendered: dict[str, str] = {}

    def body(language: str) -> Message:
        if language not in rendered:
            rendered[language] = report_text(texts, language, report, month)
        return Message("standard.monthly", {"text": rendered[language]})

    key = f"monthly:{month}"
    sent = 0
    for supervisor in await people.staff_with_role(ctx.session, role="supervisor"):
        sent += await notify.to_staff(
            ctx.session, staff=supervisor, message=body(supervisor.language), key=key, now=ctx.now
        )
    if sent == 0:
        await to_admins(ctx, message=body(ctx.settings.default_language), key=key, case=None)
    logger.info("monthly report %s queued for %s supervisor(s)", month, sent)
