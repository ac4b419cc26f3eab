"""The technician's buttons and commands: accept a job, the open jobs and their actions."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import paging
from bot.access import TECH_ROLES, assignment_of, staff_member
from bot.common import answer, drop_buttons, language_of, reply, text
from bot.context import AppContext, BotApplication
from bot.job_card import show_job
from core.callbacks import AcceptJob
from services import jobs

logger = logging.getLogger(__name__)

JOBS_PER_PAGE = 5  # job cards under one /jobs header; more go on the next pages


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
    await jobs_page(update, context, 0)


@paging.paged("jobs")
async def jobs_page(update: Update, context: AppContext, page: int) -> None:
    """A header with ◀ ▶ when the jobs take several pages, then one card per job of the page."""
    staff = await staff_member(update, context, TECH_ROLES)
    if staff is None:
        return
    open_jobs = await jobs.open_jobs(context.session, technician=staff)
    if not open_jobs:
        await reply(update, context, "tech.no_jobs")
        return
    pages = max(1, -(-len(open_jobs) // JOBS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    header = await text(update, context, "tech.jobs_header", count=len(open_jobs))
    if pages > 1:
        header += "\n" + await text(update, context, "paging.page", page=page + 1, pages=pages)
    language = await language_of(update, context)
    nav = paging.nav_row(
        lambda key: context.services.texts.get(language, key), "jobs", page, pages
    )
    await paging.send_or_edit(update, context, header, [nav] if nav else [])
    for case in open_jobs[page * JOBS_PER_PAGE : (page + 1) * JOBS_PER_PAGE]:
        await show_job(update, context, case)


def register(application: BotApplication) -> None:
    """Adds the technician's commands and buttons."""
    application.add_handler(CallbackQueryHandler(accept_button, pattern=AcceptJob.pattern()))
    application.add_handler(CommandHandler("jobs", jobs_command))
