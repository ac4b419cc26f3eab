"""The supervisors' morning digest: yesterday's numbers and today's open risks."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from core.messages import Message, term
from scheduler.notices import to_supervisors
from scheduler.recurring import daily_at, recurring
from scheduler.registry import JobContext
from storage.models import Case, Reminder
from storage.repos import certifications, digest

logger = logging.getLogger(__name__)

LISTED = 10
CERT_WARNING_DAYS = 30


def _lines(cases: list[Case], ctx: JobContext, *, deadline: str) -> Any:
    """A short list of case numbers with their deadline in local time, or 'none'."""
    if not cases:
        return term("scheduler.digest.none")
    lines = []
    for case in cases[:LISTED]:
        moment: datetime | None = getattr(case, deadline)
        shown = moment.astimezone(ctx.settings.tz).strftime("%m-%d %H:%M") if moment else "-"
        lines.append(f"  {case.number}  {shown}  {case.region or ''}".rstrip())
    if len(cases) > LISTED:
        lines.append(f"  … +{len(cases) - LISTED}")
    return "\n".join(lines)


def _cert_lines(expiring: list[tuple[str, str, date]]) -> Any:
    """Technicians whose certificate ends soon: name, category, last valid day; or 'none'."""
    if not expiring:
        return term("scheduler.digest.none")
    lines = [f"  {name}  {category}  {until.isoformat()}" for name, category, until in expiring]
    if len(lines) > LISTED:
        lines = [*lines[:LISTED], f"  … +{len(lines) - LISTED}"]
    return "\n".join(lines)


@recurring("digest", next_due=daily_at(lambda settings: settings.digest_hour))
async def send_digest(ctx: JobContext, reminder: Reminder) -> None:
    """Sends the supervisors yesterday's numbers and today's risks."""
    tz = ctx.settings.tz
    today = ctx.now.astimezone(tz).date()
    today_start = datetime.combine(today, time(), tzinfo=tz)
    numbers = await digest.digest_numbers(
        ctx.session,
        yesterday_start=today_start - timedelta(days=1),
        today_start=today_start,
        tomorrow_start=today_start + timedelta(days=1),
        now=ctx.now,
    )
    expiring = await certifications.expiring(
        ctx.session, first=today, last=today + timedelta(days=CERT_WARNING_DAYS)
    )
    message = Message(
        "scheduler.digest",
        {
            "date": today.isoformat(),
            "yesterday": (today - timedelta(days=1)).isoformat(),
            "new": numbers.new,
            "closed": numbers.closed,
            "response_breaches": numbers.response_breaches,
            "onsite_breaches": numbers.onsite_breaches,
            "due_today": len(numbers.due_today),
            "due_list": _lines(numbers.due_today, ctx, deadline="onsite_due_at"),
            "overdue": len(numbers.overdue),
            "overdue_list": _lines(numbers.overdue, ctx, deadline="onsite_due_at"),
            "unanswered": len(numbers.unanswered),
            "unanswered_list": _lines(numbers.unanswered, ctx, deadline="response_due_at"),
            "certs": len(expiring),
            "certs_list": _cert_lines(expiring),
        },
    )
    await to_supervisors(ctx, message=message, key=f"digest:{reminder.key}")
    logger.info("digest for %s queued", today)
