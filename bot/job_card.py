"""The technician's job card: one job with the buttons its status allows."""

from __future__ import annotations

from telegram import Update

from bot.common import language_of, reply
from bot.context import AppContext
from bot.keyboards import Row, inline
from core.callbacks import (
    AcceptJob,
    CheckIn,
    DeclineJob,
    StartNote,
    StartQuote,
    StartReport,
    WriteToCustomer,
)
from core.messages import money
from domain.lifecycle import CaseStatus
from services import jobs
from storage.models import Case
from storage.repos import assignments, quotes


async def show_job(update: Update, context: AppContext, case: Case) -> None:
    """One job with the buttons its status allows."""
    language = await language_of(update, context)
    texts = context.services.texts
    rows: list[Row] = []
    status = CaseStatus(case.status)
    quote_needed = await jobs.needs_quote(context.session, case=case)
    running = await assignments.current_assignment(context.session, case_id=case.id)
    if status == CaseStatus.ASSIGNED and running is not None:
        rows.append(
            [
                (texts.get(language, "tech.btn_accept"), AcceptJob(running.id)),
                (texts.get(language, "tech.btn_decline"), DeclineJob(running.id)),
            ]
        )
    if status == CaseStatus.ACCEPTED:
        rows.append([(texts.get(language, "tech.btn_check_in"), CheckIn(case.id))])
    if status in (CaseStatus.ACCEPTED, CaseStatus.ON_SITE) and quote_needed:
        rows.append([(texts.get(language, "tech.btn_quote"), StartQuote(case.id))])
    if status == CaseStatus.ON_SITE and not quote_needed:
        rows.append([(texts.get(language, "tech.btn_report"), StartReport(case.id))])
    if status != CaseStatus.ASSIGNED:
        rows.append([(texts.get(language, "tech.btn_note"), StartNote(case.id))])
        rows.append([(texts.get(language, "conversation.btn_write"), WriteToCustomer(case.id))])
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
        warranty=texts.get(language, f"warranty_staff.{case.warranty}"),
        quote=await _quote_line(context, case, language, quote_needed),
    )


async def _quote_line(context: AppContext, case: Case, language: str, needed: bool) -> str:
    """Whether the job waits for a quote, or the approved quote's amount, or needs none."""
    texts = context.services.texts
    if needed:
        return texts.get(language, "tech.quote_needed")
    approved = await quotes.approved_quote(context.session, case_id=case.id)
    if approved is None:
        return texts.get(language, "tech.quote_not_needed")
    return texts.get(language, "tech.quote_approved_amount", total=money(approved.total_cents))
