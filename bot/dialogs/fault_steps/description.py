"""Fault report: what is wrong, in words and up to a few photos."""

from __future__ import annotations

from telegram import Update

from bot.common import mark_chosen, reply, retire_prompts, text
from bot.context import AppContext
from bot.dialogs.fault_steps.address import ask_address
from bot.dialogs.fault_steps.common import DESCRIPTION_LIMIT, MAX_PHOTOS, State, fault_draft
from bot.dialogs.fault_steps.summary import show_summary
from bot.dialogs.shared import clean_or_complain
from bot.keyboards import inline
from core.callbacks import FaultContinue
from domain.lifecycle import CaseKind


async def ask_description(update: Update, context: AppContext) -> int:
    """Asks what is wrong (or what to install)."""
    key = (
        "report.ask_description_install"
        if fault_draft(context).get("kind") == CaseKind.INSTALLATION
        else "report.ask_description"
    )
    await reply(update, context, key, max=MAX_PHOTOS)
    return State.DESCRIBE


async def take_description(update: Update, context: AppContext) -> int | None:
    """Stores the problem text; goes on unless photos may follow."""
    assert update.message is not None
    description = await clean_or_complain(
        update, context, update.message.text, limit=DESCRIPTION_LIMIT
    )
    if description is None:
        return None
    draft = fault_draft(context)
    draft["description"] = description
    await retire_prompts(update, context, FaultContinue)  # the new prompt has its own
    if draft.get("editing"):
        return await show_summary(update, context)
    label = await text(update, context, "report.btn_continue")
    await reply(
        update,
        context,
        "report.photo_added_hint",
        inline([[(label, FaultContinue())]]),
        max=MAX_PHOTOS,
    )
    return None


async def take_photo(update: Update, context: AppContext) -> int | None:
    """Adds a photo (its caption counts as description when there is none yet)."""
    message = update.message
    assert message is not None and message.photo
    draft = fault_draft(context)
    photos = draft.setdefault("photos", [])
    if len(photos) >= MAX_PHOTOS:
        await reply(update, context, "report.photo_limit", max=MAX_PHOTOS)
        return None
    biggest = message.photo[-1]
    photos.append([biggest.file_id, biggest.file_unique_id])
    if message.caption and not draft.get("description"):
        caption = await clean_or_complain(
            update, context, message.caption, limit=DESCRIPTION_LIMIT
        )
        if caption is not None:
            draft["description"] = caption
    await retire_prompts(update, context, FaultContinue)  # the new prompt has its own
    label = await text(update, context, "report.btn_continue")
    await reply(
        update,
        context,
        "report.photo_added",
        inline([[(label, FaultContinue())]]),
        count=len(photos),
        max=MAX_PHOTOS,
    )
    return None


async def continue_to_address(update: Update, context: AppContext) -> int | None:
    """Moves on from the description once there is one."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    draft = fault_draft(context)
    if not draft.get("description"):
        await reply(update, context, "report.need_description")
        return None
    await mark_chosen(update, context)
    await retire_prompts(update, context, FaultContinue)
    if draft.get("editing"):
        return await show_summary(update, context)
    return await ask_address(update, context)
