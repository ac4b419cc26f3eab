"""Pieces the technician's dialogs share: their draft, /cancel, and the job re-check."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from typing import Any, TypedDict, cast

from telegram import Update

from bot.common import reply, text
from bot.context import AppContext
from bot.dialogs.shared import cancel_command
from bot.keyboards import inline
from core.callbacks import Callback
from core.money import part_lines
from domain.costs import parse_part
from domain.validation import InputError, clean_text

DRAFT = "job_draft"


def _key(dialog: str) -> str:
    """Where one dialog's draft lives in the user's data."""
    return f"{DRAFT}:{dialog}"


class JobDraft(TypedDict, total=False):
    """A job dialog's draft; each dialog fills its own keys. JSON-safe: it is persisted."""

    case: int  # check-in, note, quote, service report
    assignment: int  # decline
    report: int  # dispute
    who: str  # quote: "technician" or "desk"
    parts: list[dict[str, Any]]  # PartLine.to_json() each
    labour: int  # cents
    travel: int  # cents
    work: str
    hours: float
    cause: str
    supplier: str
    major: bool
    fixed: bool
    followup: str  # ISO moment
    install: bool
    checklist: dict[str, bool]
    photos: list[list[str]]  # service report: [file_id, file_unique_id] of after-work photos


def job_draft(context: AppContext, dialog: str) -> JobDraft:
    """One job dialog's draft, kept in the user's persisted data.

    Each dialog has its own: a technician may open a note in the middle of a quote or a
    report, and one dialog must neither clear nor fill in the other's draft.
    """
    assert context.user_data is not None
    return cast(JobDraft, context.user_data.setdefault(_key(dialog), {}))


def new_job_draft(context: AppContext, dialog: str, draft: JobDraft) -> None:
    """Starts one job dialog's draft afresh (whatever an abandoned run left)."""
    assert context.user_data is not None
    context.user_data[_key(dialog)] = draft


def cancel_job_dialog(dialog: str) -> Callable[[Update, AppContext], Coroutine[Any, Any, int]]:
    """The /cancel of a job dialog: leaves it and drops its draft (only its own)."""

    async def cancel(update: Update, context: AppContext) -> int:
        """Leaves the dialog and drops its draft."""
        drop_draft(context, dialog)
        return await cancel_command(update, context)

    return cancel


def drop_draft(context: AppContext, dialog: str) -> None:
    """Forgets a dialog's draft after it was saved (or dropped)."""
    if context.user_data is not None:
        context.user_data.pop(_key(dialog), None)


def has_fields(draft: Mapping[str, object], *fields: str) -> bool:
    """Whether a draft holds everything a step needs (a stale or emptied one does not)."""
    return all(name in draft for name in fields)


MAX_PARTS = 20
PART_NAME_LIMIT = 100


async def add_part(update: Update, context: AppContext, *, dialog: str, done: Callback) -> None:
    """Adds one typed part line (name, quantity, unit price) to the draft and lists them."""
    assert update.message is not None
    draft = job_draft(context, dialog)
    try:
        part = parse_part(update.message.text or "")
        # The name is shown to the customer and stored: no invisible or control characters.
        part = replace(part, name=clean_text(part.name, max_length=PART_NAME_LIMIT))
    except InputError:
        await reply(update, context, "tech.input.part")
        return
    parts = draft.setdefault("parts", [])
    if len(parts) >= MAX_PARTS:
        await reply(update, context, "tech.too_many_parts", max=MAX_PARTS)
        return
    parts.append(part.to_json())
    markup = inline([[(await text(update, context, "tech.btn_parts_done"), done)]])
    await reply(update, context, "tech.part_added", markup, lines=part_lines(parts))
