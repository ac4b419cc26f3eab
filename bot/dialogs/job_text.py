"""One text on a job, built for each use: the technician presses a job's button, types one
text, and a use case takes it (a note on the timeline, a message to the customer)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import TECH_ROLES, own_job, staff_member
from bot.common import answer, reply
from bot.context import AppContext
from bot.dialogs.job_common import cancel_job_dialog, drop_draft, job_draft, new_job_draft
from bot.dialogs.shared import clean_or_complain, conversation, unsupported_input
from domain.lifecycle import CaseStatus
from services import jobs
from storage.models import Case, Staff

END = ConversationHandler.END

# What the text does: (session, case, technician, text, now).
Take = Callable[[AsyncSession, Case, Staff, str, datetime], Awaitable[None]]


class State(IntEnum):
    """The one step: the text."""

    TEXT = 1


@dataclass(frozen=True)
class JobText:
    """One job-text dialog: its name, button, the job states it applies to, limit, messages."""

    name: str
    pattern: str
    statuses: tuple[CaseStatus, ...]
    limit: int
    ask_key: str
    done_key: str
    take: Take


def build(spec: JobText) -> ConversationHandler[AppContext]:
    """The dialog: ask for the text, re-check the job when it comes, hand it to the use case."""

    async def start(update: Update, context: AppContext) -> int | None:
        found = await own_job(update, context, spec.statuses)
        if found is None:
            return END
        _, case = found
        await answer(update, context)
        new_job_draft(context, spec.name, {"case": case.id})
        await reply(update, context, spec.ask_key, number=case.number)
        return State.TEXT

    async def take_text(update: Update, context: AppContext) -> int | None:
        assert update.message is not None
        body = await clean_or_complain(update, context, update.message.text, limit=spec.limit)
        if body is None:
            return None
        staff = await staff_member(update, context, TECH_ROLES)
        case_id = job_draft(context, spec.name).get("case")
        drop_draft(context, spec.name)
        if staff is None:
            return END
        case = (
            await jobs.job_of(context.session, case_id=int(case_id), technician=staff)
            if case_id is not None
            else None
        )
        if case is None or case.status not in spec.statuses:
            await reply(update, context, "tech.job_gone")
            return END
        await spec.take(context.session, case, staff, body, context.services.clock.now())
        await reply(update, context, spec.done_key, number=case.number)
        return END

    return conversation(
        entry_points=[CallbackQueryHandler(start, pattern=spec.pattern)],
        states={State.TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_text)]},
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(spec.name)), unsupported_input()],
        name=spec.name,
    )
