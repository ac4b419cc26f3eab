"""Fault report: where the technician should come (typed, or a shared location with details)."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update

from bot.common import mark_chosen, reply, retire_prompts, text
from bot.context import AppContext
from bot.dialogs.fault_steps.common import ADDRESS_LIMIT, State, fault_draft
from bot.dialogs.fault_steps.deadline import ask_deadline
from bot.dialogs.fault_steps.summary import show_summary
from bot.dialogs.shared import clean_or_complain, location_or_complain
from bot.keyboards import inline, location_keyboard
from core.callbacks import FaultSkip


async def ask_address(update: Update, context: AppContext) -> int:
    """Asks where the technician should come."""
    label = await text(update, context, "report.btn_share_location")
    await reply(update, context, "report.ask_address", location_keyboard(label))
    return State.ADDRESS


async def take_address(update: Update, context: AppContext) -> int | None:
    """Stores a typed address."""
    assert update.message is not None
    address = await clean_or_complain(update, context, update.message.text, limit=ADDRESS_LIMIT)
    if address is None:
        return None
    draft = fault_draft(context)
    draft["address"] = address
    draft.pop("latitude", None)
    draft.pop("longitude", None)
    return await _after_address(update, context)


async def take_location(update: Update, context: AppContext) -> int | None:
    """Stores a shared location and asks for the address details."""
    point = await location_or_complain(update, context)
    if point is None:
        return None
    draft = fault_draft(context)
    draft["latitude"], draft["longitude"] = point
    draft.pop("address", None)
    skip = await text(update, context, "common.btn.skip")
    await reply(update, context, "report.location_received_short", ReplyKeyboardRemove())
    await reply(update, context, "report.location_received", inline([[(skip, FaultSkip())]]))
    return State.ADDRESS_DETAIL


async def take_address_detail(update: Update, context: AppContext) -> int | None:
    """Adds typed details to a shared location."""
    assert update.message is not None
    detail = await clean_or_complain(update, context, update.message.text, limit=ADDRESS_LIMIT)
    if detail is None:
        return None
    fault_draft(context)["address"] = detail
    await retire_prompts(update, context, FaultSkip)
    return await _after_address(update, context)


async def skip_address_detail(update: Update, context: AppContext) -> int | None:
    """Keeps the shared location without details."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await mark_chosen(update, context)
    return await _after_address(update, context)


async def _after_address(update: Update, context: AppContext) -> int:
    """Continues to the deadline, or back to the summary when editing."""
    if update.message is not None:
        await reply(update, context, "report.address_saved", ReplyKeyboardRemove())
    if fault_draft(context).get("editing"):
        return await show_summary(update, context)
    return await ask_deadline(update, context)
