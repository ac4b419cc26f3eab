"""Supervisor commands and buttons: the open complaints, taking ownership of one."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import paging
from bot.access import supervisor_of
from bot.common import answer, edit_or_reply, language_of, pressed, reply
from bot.context import AppContext, BotApplication
from bot.keyboards import Row, inline
from core.callbacks import CloseComplaint, TakeComplaint
from core.messages import Message
from services import complaints, notify
from services.complaints import ComplaintError
from storage.repos import cases as case_rows
from storage.repos import people

logger = logging.getLogger(__name__)


async def list_complaints(update: Update, context: AppContext) -> None:
    """Lists the open complaints, oldest first, with a button to take or close each."""
    await complaints_page(update, context, 0)


@paging.paged("cmp")
async def complaints_page(update: Update, context: AppContext, page: int) -> None:
    """One page of the open complaints."""
    staff = await supervisor_of(update, context)
    if staff is None:
        return
    open_ones = await case_rows.open_complaints(context.session, limit=paging.LIST_LIMIT)
    if not open_ones:
        await reply(update, context, "complaint.list_empty")
        return
    language = await language_of(update, context)
    texts = context.services.texts
    entries: list[paging.Entry] = []
    for complaint in open_ones:
        owner = None
        if complaint.owner_id is not None:
            owner = await people.get_staff_by_id(context.session, staff_id=complaint.owner_id)
        line = texts.get(
            language,
            "complaint.list_line",
            number=complaint.number,
            opened=complaint.created_at,
            severity=texts.get(language, f"complaint.severity.{complaint.severity}"),
            owner=owner.name if owner else texts.get(language, "complaint.no_owner"),
            description=_short(complaint.description),
        )
        rows: list[Row] = []
        if complaint.owner_id is None:
            label = texts.get(language, "complaint.btn_take_number", number=complaint.number)
            rows.append([(label, TakeComplaint(complaint.id))])
        elif complaint.owner_id == staff.id:
            label = texts.get(language, "complaint.btn_close_number", number=complaint.number)
            rows.append([(label, CloseComplaint(complaint.id))])
        entries.append(paging.Entry(line, rows))
    listing = paging.Listing(
        "complaint.list", entries, {"count": len(open_ones)}, separator="\n\n"
    )
    await paging.show(update, context, kind="cmp", page=page, listing=listing)


def _short(text: str, limit: int = 160) -> str:
    """A description cut to fit a list."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def take_ownership(update: Update, context: AppContext) -> None:
    """Makes the presser the owner of a complaint; the customer learns who handles it."""
    staff = await supervisor_of(update, context)
    if staff is None:
        return
    button = await pressed(update, context, TakeComplaint)
    if button is None:
        return
    complaint = await complaints.get_complaint(context.session, complaint_id=button.complaint_id)
    if complaint is None:
        await answer(update, context, "common.stale_button")
        return
    now = context.services.clock.now()
    try:
        await complaints.take_ownership(context.session, complaint=complaint, staff=staff, now=now)
    except ComplaintError as exc:
        await answer(update, context, f"complaint.err.{exc.reason}", number=complaint.number)
        return
    await answer(update, context)
    language = await language_of(update, context)
    label = context.services.texts.get(language, "complaint.btn_close")
    await edit_or_reply(
        update,
        context,
        "complaint.taken",
        inline([[(label, CloseComplaint(complaint.id))]]),
        number=complaint.number,
        description=complaint.description,
    )
    await notify.to_customer(
        context.session,
        case=complaint,
        message=Message(
            "complaint.owner_notice", {"number": complaint.number, "name": staff.name}
        ),
        key=f"complaint:{complaint.id}:owner",
        now=now,
    )


def register(application: BotApplication) -> None:
    """Adds the supervisor commands and buttons."""
    application.add_handler(CommandHandler("complaints", list_complaints))
    application.add_handler(CallbackQueryHandler(take_ownership, pattern=TakeComplaint.pattern()))
