"""Fault report, last steps: change a part, or send it (the case is registered), or drop it."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.access import registered_customer
from bot.common import drop_buttons, edit_or_reply, language_of, pressed, reply
from bot.context import AppContext
from bot.dialogs.fault_steps.address import ask_address
from bot.dialogs.fault_steps.common import END, drop_draft, fault_draft
from bot.dialogs.fault_steps.deadline import ask_deadline, deadlines
from bot.dialogs.fault_steps.description import ask_description
from bot.dialogs.shared import cancel_command
from bot.keyboards import inline
from bot.routes import desk_route
from core.callbacks import FaultEditPart
from domain.lifecycle import CaseKind
from services import intake
from services.intake import CaseDraft
from storage.repos import cases as case_rows


async def edit(update: Update, context: AppContext) -> int | None:
    """Asks which part to change."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    language = await language_of(update, context)
    texts = context.services.texts
    rows = [
        [(texts.get(language, "report.btn_edit_description"), FaultEditPart("desc"))],
        [(texts.get(language, "report.btn_edit_address"), FaultEditPart("addr"))],
        [(texts.get(language, "report.btn_edit_deadline"), FaultEditPart("dl"))],
    ]
    await edit_or_reply(update, context, "report.edit_what", inline(rows))
    return None


async def edit_part(update: Update, context: AppContext) -> int | None:
    """Goes back to one step; the summary follows it."""
    query = update.callback_query
    button = await pressed(update, context, FaultEditPart)
    if query is None or button is None:
        return None
    await query.answer()
    await drop_buttons(query)
    draft = fault_draft(context)
    if button.part == "desc":
        draft["editing"] = True
        return await ask_description(update, context)
    if button.part == "addr":
        draft["editing"] = True
        return await ask_address(update, context)
    return await ask_deadline(update, context)


async def confirm(update: Update, context: AppContext) -> int | None:
    """Registers the case and tells the customer its number and the service promises."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    draft = fault_draft(context)
    now = context.services.clock.now()
    deadline = datetime.fromisoformat(draft["deadline"])
    problem = deadlines(context).check(deadline, now)
    if problem is not None:  # the summary waited too long; the deadline passed meanwhile
        await reply(
            update,
            context,
            f"report.deadline_{problem}",
            days=context.services.policy.max_onsite_days,
        )
        return await ask_deadline(update, context)
    case = await intake.open_case(
        context.session,
        customer=customer,
        draft=CaseDraft(
            kind=CaseKind(draft["kind"]),
            description=draft["description"],
            product_id=draft.get("product_id"),
            address=draft.get("address"),
            latitude=draft.get("latitude"),
            longitude=draft.get("longitude"),
            onsite_due_at=deadline,
            photos=[(file_id, unique) for file_id, unique in draft.get("photos", [])],
        ),
        now=now,
        policy=context.services.policy,
        desk=desk_route(context),
    )
    drop_draft(context)
    await drop_buttons(query)
    await reply(
        update,
        context,
        "report.confirmed",
        number=case.number,
        warranty={"$t": f"warranty.{case.warranty}"},
        response_due=case.response_due_at,
        onsite_due=case.onsite_due_at,
    )
    if case.is_repeat and case.parent_id is not None:
        parent = await case_rows.get_case(context.session, case_id=case.parent_id)
        await reply(update, context, "report.repeat_note", parent=parent.number if parent else "")
    return END


async def abandon(update: Update, context: AppContext) -> int:
    """Cancels the report from the summary's button."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    return await cancel_command(update, context)
