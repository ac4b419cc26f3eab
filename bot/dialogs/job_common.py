"""Pieces the technician's dialogs share: their draft, /cancel, and the job re-check."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import AppContext
from bot.dialogs.shared import cancel_command

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
