"""The desk: the queue, assigning and reassigning technicians, messages to customers, closing."""

from __future__ import annotations

import logging
from datetime import date

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import paging
from bot.access import DESK_ROLES, desk_actor, staff_member
from bot.common import answer, edit_or_reply, language_of, pressed, reply
from bot.context import AppContext, BotApplication
from bot.keyboards import Row, inline
from core.callbacks import (
    AssignAnyone,
    AssignCase,
    PickAnyway,
    PickTechnician,
    ReassignAnyway,
    ReassignTo,
)
from domain.dispatch import Ranked
from domain.lifecycle import CaseStatus, IllegalTransition
from domain.validation import InputError, clean_text
from services import closing, desk, dispatch
from storage.models import Case, Staff
from storage.repos import cases as case_rows

logger = logging.getLogger(__name__)

SUGGESTED = 3
REASON_LIMIT = 300
MESSAGE_LIMIT = 2000


async def _case_from_args(
    update: Update, context: AppContext, usage: str, *, min_words: int = 1
) -> tuple[Case, str] | None:
    """The case named by the first argument and the rest of the text, or a usage answer."""
    args = context.args or []
    if len(args) < min_words:
        await reply(update, context, usage)
        return None
    case = await case_rows.get_case_by_number(context.session, number=args[0])
    if case is None:
        await reply(update, context, "desk.case_unknown", number=args[0])
        return None
    return case, " ".join(args[1:])


async def queue_command(update: Update, context: AppContext) -> None:
    """Lists unassigned and overdue cases, oldest deadline first."""
    await queue_page(update, context, 0)


@paging.paged("q")
async def queue_page(update: Update, context: AppContext, page: int) -> None:
    """One page of the queue, each new case with a button to assign it."""
    staff = await staff_member(update, context, DESK_ROLES)
    if staff is None:
        return
    now = context.services.clock.now()
    cases = await case_rows.queue(context.session, now=now, limit=paging.LIST_LIMIT)
    if not cases:
        await reply(update, context, "desk.queue_empty")
        return
    language = await language_of(update, context)
    texts = context.services.texts
    entries = []
    for case in cases:
        overdue = case.response_due_at < now and case.responded_at is None
        late = case.onsite_due_at is not None and case.onsite_due_at < now
        flag = "desk.flag_overdue" if overdue or late else "desk.flag_in_time"
        line = texts.get(
            language,
            "desk.queue_line",
            number=case.number,
            status=texts.get(language, f"status.{case.status}"),
            response_due=case.response_due_at,
            onsite_due=case.onsite_due_at,
            flag=texts.get(language, flag),
        )
        rows: list[Row] = []
        if case.status == CaseStatus.NEW:
            label = texts.get(language, "desk.btn_assign_case", number=case.number)
            rows.append([(label, AssignCase(case.id))])
        entries.append(paging.Entry(line, rows))
    listing = paging.Listing("desk.queue", entries)
    await paging.show(update, context, kind="q", page=page, listing=listing)


def _reasons(context: AppContext, language: str, item: Ranked) -> str:
    """Why a technician is proposed, in the reader's language."""
    texts = context.services.texts
    return ", ".join(texts.get(language, r.key, **dict(r.args)) for r in item.reasons)


async def _offer(
    update: Update,
    context: AppContext,
    case: Case,
    *,
    reassign: bool,
    everyone: bool,
    below: bool = False,
) -> None:
    """Shows the ranked technicians (the best few, or all) as buttons with the reasons.

    `below`: as a new message, so the pressed case card keeps its details.
    """
    ranked = await dispatch.candidates(context.session, case=case, today=_today(context))
    if case.technician_id is not None:
        ranked = [r for r in ranked if r.candidate.staff_id != case.technician_id]
    show = reply if below else edit_or_reply
    if not ranked:
        await show(update, context, "desk.no_technicians", number=case.number)
        return
    language = await language_of(update, context)
    texts = context.services.texts
    shown = ranked if everyone else ranked[:SUGGESTED]
    lines = [
        texts.get(
            language,
            "desk.candidate_line",
            pos=i,
            name=item.candidate.name,
            reasons=_reasons(context, language, item),
        )
        for i, item in enumerate(shown, 1)
    ]
    pick = ReassignTo if reassign else PickTechnician
    rows: list[Row] = [
        [
            (
                texts.get(language, "desk.btn_candidate", pos=i, name=item.candidate.name),
                pick(case.id, item.candidate.staff_id),
            )
        ]
        for i, item in enumerate(shown, 1)
    ]
    if not everyone and len(ranked) > SUGGESTED:
        # Only a first assignment offers a few: a reassignment shows everyone at once.
        rows.append([(texts.get(language, "desk.btn_other"), AssignAnyone(case.id))])
    await show(
        update, context, "desk.choose_technician", inline(rows), number=case.number,
        lines="\n".join(lines),
    )  # fmt: skip


def _today(context: AppContext) -> date:
    """The department's local day (certificates are valid through their last day)."""
    return context.services.clock.now().astimezone(context.services.policy.tz).date()


async def _confirm_uncertified(
    update: Update, context: AppContext, case: Case, choice: Ranked, *, reassigning: bool
) -> None:
    """Warns that the technician is not (or no longer) certified; the desk confirms or not."""
    language = await language_of(update, context)
    texts = context.services.texts
    anyway = ReassignAnyway if reassigning else PickAnyway
    rows: list[Row] = [
        [(texts.get(language, "desk.btn_assign_anyway"),
          anyway(case.id, choice.candidate.staff_id))],
    ]  # fmt: skip
    if not reassigning:  # a reassignment is chosen again with /reassign
        rows.append([(texts.get(language, "desk.btn_choose_other"), AssignAnyone(case.id))])
    await edit_or_reply(
        update, context, "desk.confirm_uncertified", inline(rows), number=case.number,
        name=choice.candidate.name, category=case.category or "-",
        reasons=_reasons(context, language, choice),
    )  # fmt: skip


async def _desk_case(update: Update, context: AppContext, case_id: int) -> Case | None:
    """The case a desk button names, or None after answering the button as stale."""
    case = await case_rows.get_case(context.session, case_id=case_id)
    if case is None:
        await answer(update, context, "common.stale_button")
    return case


async def assign_button(update: Update, context: AppContext) -> None:
    """Proposes technicians for a case in the queue."""
    if await staff_member(update, context, DESK_ROLES) is None:
        return
    button = await pressed(update, context, AssignCase)
    case = await _desk_case(update, context, button.case_id) if button else None
    if button is None or case is None:
        return
    if case.status != CaseStatus.NEW:
        await answer(update, context, "desk.already_assigned", number=case.number)
        return
    await answer(update, context)
    # "Assign" on a case card (or the queue) leaves it as it is and offers the technicians
    # below it; "Other…" on that offer widens the offer in place.
    anyone = isinstance(button, AssignAnyone)
    await _offer(update, context, case, reassign=False, everyone=anyone, below=not anyone)


async def pick_technician(update: Update, context: AppContext) -> None:
    """Assigns (asg) or reassigns (rsg) the case to the chosen technician."""
    staff = await staff_member(update, context, DESK_ROLES)
    if staff is None:
        return
    button = await pressed(update, context, PickTechnician)
    case = await _desk_case(update, context, button.case_id) if button else None
    if button is None or case is None:
        return
    reassigning = isinstance(button, ReassignTo)
    reason: str | None = None
    if reassigning:
        pending = (context.user_data or {}).get("reassign", {})
        reason = pending.get(str(case.id))
        if reason is None or case.status not in (CaseStatus.ASSIGNED, CaseStatus.ACCEPTED):
            await answer(update, context, "common.stale_button")
            return
    elif case.status != CaseStatus.NEW:
        await answer(update, context, "desk.already_assigned", number=case.number)
        return
    ranked = {
        r.candidate.staff_id: r
        for r in await dispatch.candidates(context.session, case=case, today=_today(context))
    }
    choice = ranked.get(button.staff_id)
    technician = await context.session.get(Staff, button.staff_id) if choice else None
    if choice is None or technician is None or technician.id == case.technician_id:
        await answer(update, context, "common.stale_button")
        return
    await answer(update, context)
    confirmed = isinstance(button, PickAnyway | ReassignAnyway)
    if choice.needs_confirmation and not confirmed:
        await _confirm_uncertified(update, context, case, choice, reassigning=reassigning)
        return
    await dispatch.assign(
        context.session, case=case, technician=technician, by=staff, actor=desk_actor(staff),
        now=context.services.clock.now(), policy=context.services.policy,
        rank_reason=choice.code(), reason=reason, certification=choice.certification,
    )  # fmt: skip
    if reassigning and context.user_data is not None:
        context.user_data.get("reassign", {}).pop(str(case.id), None)
    await edit_or_reply(
        update, context, "desk.assigned", number=case.number, name=technician.name,
        reasons=_reasons(context, await language_of(update, context), choice),
    )  # fmt: skip


async def reassign_command(update: Update, context: AppContext) -> None:
    """/reassign <case> <reason>: proposes another technician."""
    if await staff_member(update, context, DESK_ROLES) is None:
        return
    found = await _case_from_args(update, context, "desk.usage_reassign", min_words=2)
    if found is None:
        return
    case, raw_reason = found
    if case.status not in (CaseStatus.ASSIGNED, CaseStatus.ACCEPTED):
        await reply(update, context, "desk.cannot_reassign", number=case.number)
        return
    try:
        reason = clean_text(raw_reason, max_length=REASON_LIMIT)
    except InputError as exc:
        await reply(update, context, f"common.input.{exc.reason}", limit=REASON_LIMIT)
        return
    assert context.user_data is not None
    context.user_data.setdefault("reassign", {})[str(case.id)] = reason
    await _offer(update, context, case, reassign=True, everyone=True)


async def unassign_command(update: Update, context: AppContext) -> None:
    """/unassign <case> <reason>: takes the case back into the queue."""
    staff = await staff_member(update, context, DESK_ROLES)
    if staff is None:
        return
    found = await _case_from_args(update, context, "desk.usage_unassign", min_words=2)
    if found is None:
        return
    case, raw_reason = found
    try:
        reason = clean_text(raw_reason, max_length=REASON_LIMIT)
    except InputError as exc:
        await reply(update, context, f"common.input.{exc.reason}", limit=REASON_LIMIT)
        return
    try:
        await dispatch.unassign(
            context.session, case=case, by=staff, actor=desk_actor(staff),
            now=context.services.clock.now(), reason=reason, policy=context.services.policy,
        )  # fmt: skip
    except IllegalTransition:
        await reply(update, context, "desk.cannot_unassign", number=case.number)
        return
    await reply(update, context, "desk.unassigned", number=case.number)


async def reply_command(update: Update, context: AppContext) -> None:
    """/reply <case> <text>: a message to the customer from the desk."""
    staff = await staff_member(update, context, DESK_ROLES)
    if staff is None:
        return
    found = await _case_from_args(update, context, "desk.usage_reply", min_words=2)
    if found is None:
        return
    case, raw = found
    try:
        body = clean_text(raw, max_length=MESSAGE_LIMIT)
    except InputError as exc:
        await reply(update, context, f"common.input.{exc.reason}", limit=MESSAGE_LIMIT)
        return
    await desk.reply_to_customer(
        context.session, case=case, staff=staff, actor=desk_actor(staff), text=body,
        now=context.services.clock.now(),
    )  # fmt: skip
    await reply(update, context, "desk.reply_sent", number=case.number)


async def close_command(update: Update, context: AppContext) -> None:
    """/close <case> [note]: the desk closes a resolved case."""
    staff = await staff_member(update, context, DESK_ROLES)
    if staff is None:
        return
    found = await _case_from_args(update, context, "desk.usage_close")
    if found is None:
        return
    case, note = found
    if case.status != CaseStatus.RESOLVED:
        await reply(update, context, "desk.cannot_close", number=case.number)
        return
    await closing.desk_close(
        context.session, case=case, staff=staff, actor=desk_actor(staff), note=note[:500] or None,
        now=context.services.clock.now(), policy=context.services.policy,
    )  # fmt: skip
    await reply(update, context, "desk.closed", number=case.number)


def register(application: BotApplication) -> None:
    """Adds the desk commands and buttons."""
    application.add_handler(CommandHandler("queue", queue_command))
    application.add_handler(CallbackQueryHandler(assign_button, pattern=AssignCase.pattern()))
    application.add_handler(
        CallbackQueryHandler(pick_technician, pattern=PickTechnician.pattern())
    )
    application.add_handler(CommandHandler("reassign", reassign_command))
    application.add_handler(CommandHandler("unassign", unassign_command))
    application.add_handler(CommandHandler("reply", reply_command))
    application.add_handler(CommandHandler("close", close_command))
