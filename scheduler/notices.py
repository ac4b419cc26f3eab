"""Audiences of scheduler notices (desk, supervisors, technician, customer) and case arguments."""

from __future__ import annotations

from typing import Any

from core.messages import Message, at, term
from scheduler.registry import JobContext
from services import notify, scheduling
from storage.models import Case, Reminder
from storage.repos import outbox

DESCRIPTION_CHARS = 200


def notice_key(reminder: Reminder, audience: str) -> str:
    """The dedupe key of a reminder's notice to one audience: stable for the row."""
    return f"rem:{reminder.id}:{audience}"


def case_args(case: Case) -> dict[str, Any]:
    """The arguments every case notice shows: number, kind, short description, deadlines."""
    description = case.description
    if len(description) > DESCRIPTION_CHARS:
        description = description[: DESCRIPTION_CHARS - 1] + "…"
    return {
        "number": case.number,
        "kind": term(f"kind.{case.kind}"),
        "description": description,
        "address": case.address or "-",
        "response_due": at(case.response_due_at),
        "onsite_due": at(case.onsite_due_at) if case.onsite_due_at else "-",
        "status": term(f"status.{case.status}"),
    }


async def to_admins(ctx: JobContext, *, message: Message, key: str, case: Case | None) -> int:
    """Queues a notice to every admin (the last resort when a role has nobody)."""
    queued = 0
    for telegram_id, language in await scheduling.admin_recipients(
        ctx.session,
        admin_ids=ctx.settings.admin_ids,
        default_language=ctx.settings.default_language,
    ):
        queued += await outbox.enqueue(
            ctx.session,
            chat_id=telegram_id,
            message=message,
            language=language,
            dedupe_key=f"{key}:admin:{telegram_id}",
            now=ctx.now,
            case_id=case.id if case else None,
        )
    return queued


async def to_supervisors(
    ctx: JobContext, *, message: Message, key: str, case: Case | None = None
) -> int:
    """Queues a notice to every supervisor; to the admins if there is none."""
    queued = await notify.to_role(
        ctx.session, role="supervisor", message=message, key=key, now=ctx.now, case=case
    )
    if queued == 0:
        queued = await to_admins(ctx, message=message, key=key, case=case)
    return queued


async def to_desk(ctx: JobContext, *, message: Message, key: str, case: Case | None = None) -> int:
    """Queues a notice to the desk chat or every dispatcher; to supervisors if there is none."""
    queued = await notify.to_role(
        ctx.session,
        role="dispatcher",
        message=message,
        key=key,
        now=ctx.now,
        case=case,
        group_chat_id=ctx.settings.desk_chat_id,
        group_language=ctx.settings.default_language,
    )
    if queued == 0:
        queued = await to_supervisors(ctx, message=message, key=key, case=case)
    return queued
