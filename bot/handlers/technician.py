"""The technician's buttons and commands: accept a job, the open jobs and their actions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import paging
from bot.common import answer, drop_buttons, edit_or_reply, language_of, reply, text
from bot.context import AppContext
from bot.handlers.staff import TECH_ROLES, staff_member
from bot.keyboards import inline
from domain.lifecycle import CaseStatus
from services import jobs
from storage.models import Assignment, Case, Staff
from storage.repos import assignments
from storage.repos import cases as case_rows

if TYPE_CHECKING:
    from bot.app import BotApplication

logger = logging.getLogger(__name__)

JOBS_PER_PAGE = 5  # job cards under one /jobs header; more go on the next pages


async def assignment_of(
    update: Update, context: AppContext, *, lock: bool = False
) -> tuple[Staff, Assignment, Case] | None:
    """The technician, their running assignment named by the button (tk:x:<id>), its case."""
    query = update.callback_query
    assert query is not None and query.data is not None
    staff = await staff_member(update, context, TECH_ROLES)
    if staff is None:
        return None
    try:
        assignment_id = int(query.data.rsplit(":", 1)[1])
    except ValueError:
        await answer(update, context, "common.stale_button")
        return None
    found = await running_assignment(update, context, staff, assignment_id, lock=lock)
    return (staff, *found) if found else None


async def running_assignment(
    update: Update, context: AppContext, staff: Staff, assignment_id: int, *, lock: bool = False
) -> tuple[Assignment, Case] | None:
    """The assignment and its case if it is this technician's and still waits for an answer."""
    assignment = await assignments.get_assignment(context.session, assignment_id=assignment_id)
    if assignment is None or assignment.technician_id != staff.id:
        await answer(update, context, "common.not_allowed")
        return None
    case = (
        await case_rows.lock_case(context.session, case_id=assignment.case_id)
        if lock
        else await case_rows.get_case(context.session, case_id=assignment.case_id)
    )
    await assignments.reload(context.session, assignment=assignment)
    if (
        case is None
        or assignment.ended_at is not None
        or case.technician_id != staff.id
        or case.status != CaseStatus.ASSIGNED
    ):
        await answer(update, context, "tech.job_gone")
        await edit_or_reply(update, context, "tech.job_gone")
        return None
    return assignment, case


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


async def show_job(update: Update, context: AppContext, case: Case) -> None:
    """One job with the buttons its status allows."""
    language = await language_of(update, context)
    texts = context.services.texts
    rows: list[list[tuple[str, str]]] = []
    status = CaseStatus(case.status)
    quote_needed = await jobs.needs_quote(context.session, case=case)
    running = await assignments.current_assignment(context.session, case_id=case.id)
    if status == CaseStatus.ASSIGNED and running is not None:
        rows.append(
            [
                (texts.get(language, "tech.btn_accept"), f"tk:a:{running.id}"),
                (texts.get(language, "tech.btn_decline"), f"tk:d:{running.id}"),
            ]
        )
    if status == CaseStatus.ACCEPTED:
        rows.append([(texts.get(language, "tech.btn_check_in"), f"tj:in:{case.id}")])
    if status in (CaseStatus.ACCEPTED, CaseStatus.ON_SITE) and quote_needed:
        rows.append([(texts.get(language, "tech.btn_quote"), f"tj:q:{case.id}")])
    if status == CaseStatus.ON_SITE and not quote_needed:
        rows.append([(texts.get(language, "tech.btn_report"), f"tj:rep:{case.id}")])
    if status != CaseStatus.ASSIGNED:
        rows.append([(texts.get(language, "tech.btn_note"), f"tj:note:{case.id}")])
    await reply(
        update,
        context,
        "tech.job_card",
        inline(rows) if rows else None,
        number=case.number,
        status=texts.get(language, f"status.{case.status}"),
        address=case.address or texts.get(language, "desk.location_only"),
        onsite_due=case.onsite_due_at,
        description=case.description,
        warranty=texts.get(language, f"warranty.{case.warranty}"),
        quote=texts.get(language, f"tech.quote_{'needed' if quote_needed else 'not_needed'}"),
    )


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
    application.add_handler(CallbackQueryHandler(accept_button, pattern=r"^tk:a:\d+$"))
    application.add_handler(CommandHandler("jobs", jobs_command))


async def own_job(
    update: Update, context: AppContext, statuses: tuple[CaseStatus, ...]
) -> tuple[Staff, Case] | None:
    """The technician and the job a button names (tj:<what>:<case>) if theirs and in a status."""
    query = update.callback_query
    assert query is not None and query.data is not None
    staff = await staff_member(update, context, TECH_ROLES)
    if staff is None:
        return None
    try:
        case_id = int(query.data.rsplit(":", 1)[1])
    except ValueError:
        await answer(update, context, "common.stale_button")
        return None
    case = await jobs.job_of(context.session, case_id=case_id, technician=staff)
    if case is None:
        await answer(update, context, "common.not_allowed")
        return None
    if case.status not in statuses:
        await answer(update, context, "tech.wrong_step", status={"$t": f"status.{case.status}"})
        return None
    return staff, case
