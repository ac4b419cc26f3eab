"""Checking in on site: the technician shares a location, its distance from the site is kept."""

from __future__ import annotations

import logging
from enum import IntEnum

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import TECH_ROLES, own_job, staff_member
from bot.common import answer, reply, text
from bot.context import AppContext
from bot.dialogs.job_common import cancel_job_dialog, drop_draft, job_draft, new_job_draft
from bot.dialogs.shared import conversation, location_or_complain, unsupported_input
from bot.job_card import show_job
from bot.keyboards import location_keyboard
from core.callbacks import CheckIn
from domain.lifecycle import CaseStatus
from services import jobs

logger = logging.getLogger(__name__)

END = ConversationHandler.END
DIALOG = "check_in"


class State(IntEnum):
    """Steps of the check-in."""

    LOCATION = 1


async def start(update: Update, context: AppContext) -> int | None:
    """Asks for the technician's current location."""
    found = await own_job(update, context, (CaseStatus.ACCEPTED,))
    if found is None:
        return END
    _, case = found
    await answer(update, context)
    new_job_draft(context, DIALOG, {"case": case.id})
    label = await text(update, context, "tech.btn_share_location")
    await reply(update, context, "tech.ask_location", location_keyboard(label), number=case.number)
    return State.LOCATION


async def take_location(update: Update, context: AppContext) -> int | None:
    """Checks in with the shared location and shows the job's next steps."""
    point = await location_or_complain(update, context)
    if point is None:
        return None
    staff = await staff_member(update, context, TECH_ROLES)
    case_id = job_draft(context, DIALOG).get("case")
    drop_draft(context, DIALOG)
    if staff is None:
        return END
    case = (
        await jobs.job_of(context.session, case_id=int(case_id), technician=staff)
        if case_id is not None
        else None
    )
    if case is None or case.status != CaseStatus.ACCEPTED:
        await reply(update, context, "tech.job_gone", ReplyKeyboardRemove())
        return END
    distance = await jobs.check_in(
        context.session, case=case, technician=staff, latitude=point[0], longitude=point[1],
        now=context.services.clock.now(),
        policy=context.services.policy,
    )  # fmt: skip
    if distance is None:
        await reply(update, context, "tech.checked_in_no_site", ReplyKeyboardRemove())
    else:
        await reply(
            update, context, "tech.checked_in", ReplyKeyboardRemove(), distance=f"{distance:.0f}"
        )
    await show_job(update, context, case)
    return END


async def need_location(update: Update, context: AppContext) -> None:
    """Reminds the technician that a check-in needs the location button."""
    label = await text(update, context, "tech.btn_share_location")
    await reply(update, context, "tech.need_location", location_keyboard(label))


def build() -> ConversationHandler[AppContext]:
    """The check-in conversation."""
    return conversation(
        entry_points=[CallbackQueryHandler(start, pattern=CheckIn.pattern())],
        states={
            State.LOCATION: [
                MessageHandler(filters.LOCATION, take_location),
                MessageHandler(filters.TEXT & ~filters.COMMAND, need_location),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(DIALOG)), unsupported_input()],
        name=DIALOG,
    )
