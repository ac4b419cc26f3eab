"""Pieces the technician's dialogs share: their draft, /cancel, and the job re-check."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.common import reply, text
from bot.context import AppContext
from bot.dialogs.shared import cancel_command
from bot.keyboards import inline
from domain.costs import parse_part, part_lines
from domain.validation import InputError

DRAFT = "job_draft"


def job_draft(context: AppContext) -> dict[str, Any]:
    """The technician's dialog draft, kept in the user's persisted data."""
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


async def cancel_job_dialog(update: Update, context: AppContext) -> int:
    """Leaves a job dialog and drops its draft."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    return await cancel_command(update, context)


def drop_draft(context: AppContext) -> None:
    """Forgets the draft after it was saved."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


MAX_PARTS = 20


async def add_part(update: Update, context: AppContext, *, done_data: str) -> None:
    """Adds one typed part line (name, quantity, unit price) to the draft and lists them."""
    assert update.message is not None
    draft = job_draft(context)
    try:
        part = parse_part(update.message.text or "")
    except InputError:
        await reply(update, context, "tech.input.part")
        return
    if len(draft["parts"]) >= MAX_PARTS:
        await reply(update, context, "tech.too_many_parts", max=MAX_PARTS)
        return
    draft["parts"].append(part.to_json())
    done = inline([[(await text(update, context, "tech.btn_parts_done"), done_data)]])
    await reply(update, context, "tech.part_added", done, lines=part_lines(draft["parts"]))
