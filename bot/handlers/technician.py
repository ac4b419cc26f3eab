"""The technician's buttons and commands: accept a job, the open jobs and their actions."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.access import TECH_ROLES, assignment_of, staff_member
from bot.common import answer, drop_buttons, reply
from bot.context import AppContext, BotApplication
from bot.job_card import show_job
from core.callbacks import AcceptJob
from services import jobs

logger = logging.getLogger(__name__)


async def accept_button(update: Update, context: AppContext) -> None:
    """Accepts the job: the customer is told who comes and by when."""
    found = await assignment_of(update, context, lock=True)
    if found is None:
        return
    staff, assignment, case = found
    await answer(update, context)
    await jobs.accept(
        context.session, case=case, assignment=assignment, technician=staff,
        now=context.services.clock.now(), policy=context.services.policy,
    )  # fmt: skip
    assert update.callback_query is not None  # assignment_of read the button
    await drop_buttons(update.callback_query)
    await reply(update, context, "tech.accepted", number=case.number)
    await show_job(update, context, case)


async def jobs_command(update: Update, context: AppContext) -> None:
    """Lists the technician's open jobs, each with its actions."""
    staff = await staff_member(update, context, TECH_ROLES)
    if staff is None:
        return
    open_jobs = await jobs.open_jobs(context.session, technician=staff)
    if not open_jobs:
        await reply(update, context, "tech.no_jobs")
        return
    await reply(update, context, "tech.jobs_header", count=len(open_jobs))
    for case in open_jobs:
        await show_job(update, context, case)


def register(application: BotApplication) -> None:
    """Adds the technician's commands and buttons."""
    application.add_handler(CallbackQueryHandler(accept_button, pattern=AcceptJob.pattern()))
    application.add_handler(CommandHandler("jobs", jobs_command))
