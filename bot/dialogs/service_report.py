"""The service report: work, parts, hours, travel, root cause, quality flag, fixed or follow-up."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import TECH_ROLES, own_job, staff_member
from bot.common import answer, drop_buttons, edit_or_reply, language_of, pressed, reply
from bot.context import AppContext
from bot.dialogs.job_common import (
    add_part,
    cancel_job_dialog,
    drop_draft,
    has_fields,
    job_draft,
    new_job_draft,
)
from bot.dialogs.report_checklist import show_checklist
from bot.dialogs.shared import clean_or_complain, conversation, deadline_example, unsupported_input
from bot.keyboards import inline
from bot.routes import quality_route
from core.callbacks import (
    Callback,
    ReportAbandon,
    ReportCause,
    ReportCheck,
    ReportFixed,
    ReportMajor,
    ReportPartsDone,
    ReportSend,
    StartReport,
)
from core.money import part_lines
from domain.costs import parse_hours, parse_money
from domain.lifecycle import CaseKind, CaseStatus
from domain.sla import DeadlinePolicy, parse_local_datetime
from domain.validation import InputError
from domain.warranty import Warranty
from services import jobs, reports
from services.reports import CHECKLIST, ROOT_CAUSES, ReportDraft

logger = logging.getLogger(__name__)

WORK_LIMIT = 2000
MAX_PHOTOS = 5  # photos of the finished work, beside the customer's photos of the fault
REPORT_FIELDS = ("case", "work", "parts", "hours", "travel", "cause", "major", "fixed")
END = ConversationHandler.END
DIALOG = "service_report"


class State(IntEnum):
    """Steps of the report."""

    WORK = 1
    PARTS = 2
    HOURS = 3
    TRAVEL = 4
    CAUSE = 5
    SUPPLIER = 6
    MAJOR = 7
    FIXED = 8
    FOLLOWUP = 9
    CHECKLIST = 10
    CONFIRM = 11


async def _buttons(
    update: Update, context: AppContext, rows: Sequence[Sequence[tuple[str, Callback]]]
) -> InlineKeyboardMarkup:
    """An inline keyboard whose labels are catalog keys."""
    language = await language_of(update, context)
    texts = context.services.texts
    return inline([[(texts.get(language, key), data) for key, data in row] for row in rows])


async def start(update: Update, context: AppContext) -> int | None:
    """Starts the report of an on-site job (work waits for an approved quote out of warranty)."""
    found = await own_job(update, context, (CaseStatus.ON_SITE,))
    if found is None:
        return END
    _, case = found
    if await jobs.needs_quote(context.session, case=case):
        await answer(update, context, "tech.quote_first")
        return END
    await answer(update, context)
    install = case.kind == CaseKind.INSTALLATION
    new_job_draft(context, DIALOG, {"case": case.id, "parts": [], "install": install})
    await reply(update, context, "tech.report_ask_work", number=case.number)
    return State.WORK


async def take_work(update: Update, context: AppContext) -> int | None:
    """Stores the work done and asks for the parts."""
    assert update.message is not None
    work = await clean_or_complain(update, context, update.message.text, limit=WORK_LIMIT)
    if work is None:
        return None
    job_draft(context, DIALOG)["work"] = work
    markup = await _buttons(update, context, [[("tech.btn_parts_done", ReportPartsDone())]])
    await reply(update, context, "tech.report_ask_parts", markup)
    return State.PARTS


async def take_part(update: Update, context: AppContext) -> int | None:
    """Adds one part used."""
    await add_part(update, context, dialog=DIALOG, done=ReportPartsDone())
    return None


async def take_photo(update: Update, context: AppContext) -> int | None:
    """Adds a photo of the finished work (up to MAX_PHOTOS), kept with the report."""
    message = update.message
    assert message is not None and message.photo
    photos = job_draft(context, DIALOG).setdefault("photos", [])
    if len(photos) >= MAX_PHOTOS:
        await reply(update, context, "tech.report_photo_limit", max=MAX_PHOTOS)
        return None
    biggest = message.photo[-1]
    photos.append([biggest.file_id, biggest.file_unique_id])
    await reply(update, context, "tech.report_photo_added", count=len(photos), max=MAX_PHOTOS)
    return None


async def parts_done(update: Update, context: AppContext) -> int:
    """Asks for the labour hours."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    await reply(update, context, "tech.report_ask_hours")
    return State.HOURS


async def take_hours(update: Update, context: AppContext) -> int | None:
    """Stores the labour hours and asks for the travel cost."""
    assert update.message is not None
    try:
        job_draft(context, DIALOG)["hours"] = parse_hours(update.message.text or "")
    except InputError:
        await reply(update, context, "tech.input.hours")
        return None
    await reply(update, context, "tech.report_ask_travel")
    return State.TRAVEL


async def take_travel(update: Update, context: AppContext) -> int | None:
    """Stores the travel cost and asks for the root cause."""
    assert update.message is not None
    try:
        job_draft(context, DIALOG)["travel"] = parse_money(update.message.text or "")
    except InputError:
        await reply(update, context, "tech.input.money")
        return None
    rows = [
        [(f"tech.cause.{a}", ReportCause(a)), (f"tech.cause.{b}", ReportCause(b))]
        for a, b in zip(ROOT_CAUSES[::2], ROOT_CAUSES[1::2], strict=True)
    ]
    await reply(update, context, "tech.report_ask_cause", await _buttons(update, context, rows))
    return State.CAUSE


async def choose_cause(update: Update, context: AppContext) -> int | None:
    """Stores the root cause; a supplier part asks for the supplier's name."""
    query = update.callback_query
    button = await pressed(update, context, ReportCause)
    if query is None or button is None:
        return None
    cause = button.cause
    if cause not in ROOT_CAUSES:
        await answer(update, context, "common.stale_button")
        return None
    await query.answer()
    await drop_buttons(query)
    job_draft(context, DIALOG)["cause"] = cause
    if cause == "supplier":
        await reply(update, context, "tech.report_ask_supplier")
        return State.SUPPLIER
    return await _ask_major(update, context)


async def take_supplier(update: Update, context: AppContext) -> int | None:
    """Stores the supplier's name."""
    assert update.message is not None
    supplier = await clean_or_complain(update, context, update.message.text, limit=120)
    if supplier is None:
        return None
    job_draft(context, DIALOG)["supplier"] = supplier
    return await _ask_major(update, context)


async def _ask_major(update: Update, context: AppContext) -> int:
    """Asks whether this is a major quality problem."""
    rows = [[("common.btn.yes", ReportMajor(True)), ("common.btn.no", ReportMajor(False))]]
    await reply(update, context, "tech.report_ask_major", await _buttons(update, context, rows))
    return State.MAJOR


async def choose_major(update: Update, context: AppContext) -> int | None:
    """Stores the quality flag and asks whether the fault is fixed."""
    query = update.callback_query
    button = await pressed(update, context, ReportMajor)
    if query is None or button is None:
        return None
    await query.answer()
    await drop_buttons(query)
    job_draft(context, DIALOG)["major"] = button.major
    rows = [[("common.btn.yes", ReportFixed(True)), ("common.btn.no", ReportFixed(False))]]
    await reply(update, context, "tech.report_ask_fixed", await _buttons(update, context, rows))
    return State.FIXED


async def choose_fixed(update: Update, context: AppContext) -> int | None:
    """Fixed goes on; not fixed asks when the follow-up visit will be."""
    query = update.callback_query
    button = await pressed(update, context, ReportFixed)
    if query is None or button is None:
        return None
    await query.answer()
    await drop_buttons(query)
    fixed = button.fixed
    job_draft(context, DIALOG)["fixed"] = fixed
    if not fixed:
        await reply(update, context, "tech.report_ask_followup", example=deadline_example(context))
        return State.FOLLOWUP
    return await _after_fixed(update, context)


async def take_followup(update: Update, context: AppContext) -> int | None:
    """Reads the follow-up visit's deadline."""
    assert update.message is not None
    policy = context.services.policy
    now = context.services.clock.now()
    moment = parse_local_datetime(update.message.text or "", now, policy.tz)
    if moment is None:
        await reply(update, context, "tech.report_ask_followup", example=deadline_example(context))
        return None
    problem = DeadlinePolicy(tz=policy.tz, max_days=policy.max_onsite_days).check(moment, now)
    if problem is not None:
        await reply(update, context, f"report.deadline_{problem}", days=policy.max_onsite_days)
        return None
    job_draft(context, DIALOG)["followup"] = moment.isoformat()
    return await _after_fixed(update, context)


async def _after_fixed(update: Update, context: AppContext) -> int:
    """Installations go through the checklist; everything else to the summary."""
    draft = job_draft(context, DIALOG)
    if draft.get("install") and draft.get("fixed"):
        draft["checklist"] = dict.fromkeys(CHECKLIST, False)
        await show_checklist(update, context, new=True)
        return State.CHECKLIST
    return await _summary(update, context)


async def toggle_check(update: Update, context: AppContext) -> int | None:
    """Ticks or unticks an item; Done needs every item ticked."""
    query = update.callback_query
    button = await pressed(update, context, ReportCheck)
    if query is None or button is None:
        return None
    item = button.item
    checklist = job_draft(context, DIALOG).get("checklist", {})
    if item == "done":
        if not all(checklist.values()):
            await answer(update, context, "tech.checklist_incomplete")
            return None
        await query.answer()
        await drop_buttons(query)
        return await _summary(update, context)
    if item not in checklist:
        await answer(update, context, "common.stale_button")
        return None
    await query.answer()
    checklist[item] = not checklist[item]
    await show_checklist(update, context, new=False)
    return None


async def _summary(update: Update, context: AppContext) -> int:
    """Shows the report for submission."""
    draft = job_draft(context, DIALOG)
    language = await language_of(update, context)
    texts = context.services.texts
    rows = [
        [
            (texts.get(language, "tech.btn_report_send"), ReportSend()),
            (texts.get(language, "common.btn.cancel"), ReportAbandon()),
        ]
    ]
    followup = datetime.fromisoformat(draft["followup"]) if draft.get("followup") else None
    await reply(
        update, context, "tech.report_summary", inline(rows), work=draft["work"],
        parts=part_lines(draft["parts"]), hours=draft["hours"],
        travel={"$money": draft["travel"]}, cause={"$t": f"tech.cause.{draft['cause']}"},
        supplier=draft.get("supplier") or "-",
        major={"$t": "common.btn.yes" if draft["major"] else "common.btn.no"},
        fixed={"$t": "common.btn.yes" if draft["fixed"] else "common.btn.no"},
        followup=followup or "-", photos=len(draft.get("photos", [])),
    )  # fmt: skip
    return State.CONFIRM


async def send(update: Update, context: AppContext) -> int:
    """Files the report."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = job_draft(context, DIALOG).copy()
    drop_draft(context, DIALOG)
    staff = await staff_member(update, context, TECH_ROLES)
    complete = has_fields(draft, *REPORT_FIELDS)
    case = (
        await jobs.job_of(context.session, case_id=int(draft["case"]), technician=staff)
        if staff is not None and complete
        else None
    )
    if staff is None or case is None or case.status != CaseStatus.ON_SITE:
        await edit_or_reply(update, context, "tech.job_gone")
        return END
    # Labour at the configured hourly rate (0 leaves it to an approved quote).
    rate = context.services.settings.labour_rate_per_hour
    await reports.file_report(
        context.session,
        case=case,
        technician=staff,
        draft=ReportDraft(
            work_done=draft["work"],
            parts=draft["parts"],
            labour_hours=draft["hours"],
            labour_cents=round(draft["hours"] * rate * 100),
            travel_cents=int(draft["travel"]),
            root_cause=draft["cause"],
            fixed=bool(draft["fixed"]),
            supplier_name=draft.get("supplier"),
            major_quality=bool(draft["major"]),
            followup_due_at=(
                datetime.fromisoformat(draft["followup"]) if draft.get("followup") else None
            ),
            checklist=draft.get("checklist"),
            photos=[(file_id, unique) for file_id, unique in draft.get("photos", [])],
        ),
        now=context.services.clock.now(),
        policy=context.services.policy,
        sign_base=context.services.settings.public_url,
        quality=quality_route(context),
    )
    key = "tech.report_filed" if draft["fixed"] else "tech.report_filed_followup"
    if draft["fixed"] and case.warranty == Warranty.UNVERIFIED:
        key = "tech.report_filed_pending"  # the technician must not collect money on site
    await edit_or_reply(update, context, key, number=case.number)
    return END


async def abandon(update: Update, context: AppContext) -> int:
    """Drops the report from the summary's button."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    return await cancel_job_dialog(DIALOG)(update, context)


def build() -> ConversationHandler[AppContext]:
    """The service report conversation."""
    typed = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CallbackQueryHandler(start, pattern=StartReport.pattern())],
        states={
            State.WORK: [MessageHandler(typed, take_work)],
            State.PARTS: [
                MessageHandler(typed, take_part),
                MessageHandler(filters.PHOTO, take_photo),
                CallbackQueryHandler(parts_done, pattern=ReportPartsDone.pattern()),
            ],
            State.HOURS: [MessageHandler(typed, take_hours)],
            State.TRAVEL: [MessageHandler(typed, take_travel)],
            State.CAUSE: [CallbackQueryHandler(choose_cause, pattern=ReportCause.pattern())],
            State.SUPPLIER: [MessageHandler(typed, take_supplier)],
            State.MAJOR: [CallbackQueryHandler(choose_major, pattern=ReportMajor.pattern())],
            State.FIXED: [CallbackQueryHandler(choose_fixed, pattern=ReportFixed.pattern())],
            State.FOLLOWUP: [MessageHandler(typed, take_followup)],
            State.CHECKLIST: [CallbackQueryHandler(toggle_check, pattern=ReportCheck.pattern())],
            State.CONFIRM: [
                CallbackQueryHandler(send, pattern=ReportSend.pattern()),
                CallbackQueryHandler(abandon, pattern=ReportAbandon.pattern()),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_job_dialog(DIALOG)), unsupported_input()],
        name=DIALOG,
    )
