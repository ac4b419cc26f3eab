"""A technician's contact details: phone and base location, asked when joining and by /profile.

The customer is told how to reach their technician, and dispatch measures distances from the
base, so a technician who joins by invite is asked for both right away.
"""

from __future__ import annotations

import logging
from enum import IntEnum

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.access import TECH_ROLES, staff_member
from bot.common import reply, text
from bot.context import AppContext
from bot.dialogs.shared import (
    cancel_command,
    conversation,
    location_or_complain,
    phone_or_complain,
)
from bot.handlers.staff import join
from bot.keyboards import contact_keyboard, location_keyboard
from storage.models import Staff
from storage.repos import people

logger = logging.getLogger(__name__)

END = ConversationHandler.END


class State(IntEnum):
    """Steps of the profile."""

    PHONE = 1
    BASE = 2


async def join_then_ask(update: Update, context: AppContext) -> int:
    """Redeems the invite; a new technician is then asked for their phone and base."""
    staff = await join(update, context)
    if staff is None or not staff.role_set & TECH_ROLES:
        return END
    return await _ask_phone(update, context)


async def profile_command(update: Update, context: AppContext) -> int:
    """Shows the technician's phone and base, then asks for them again."""
    staff = await staff_member(update, context, TECH_ROLES)
    if staff is None:
        return END
    await reply(update, context, "staff.profile", phone=staff.phone or "-", base=_base(staff))
    return await _ask_phone(update, context)


def _base(staff: Staff) -> str:
    """The base location as the technician reads it."""
    if staff.base_latitude is None or staff.base_longitude is None:
        return "-"
    return f"{staff.base_latitude:.5f}, {staff.base_longitude:.5f}"


async def _ask_phone(update: Update, context: AppContext) -> int:
    """Asks for the phone with the contact button."""
    label = await text(update, context, "staff.btn_share_phone")
    await reply(update, context, "staff.ask_phone", contact_keyboard(label))
    return State.PHONE


async def take_phone(update: Update, context: AppContext) -> int | None:
    """Accepts the technician's own shared contact or a valid typed number."""
    phone = await phone_or_complain(update, context, button="staff.btn_share_phone")
    return None if phone is None else await _save_phone(update, context, phone)


async def _save_phone(update: Update, context: AppContext, phone: str) -> int:
    """Stores the phone and asks for the base location."""
    staff = await _me(update, context)
    if staff is None:
        return END
    staff.phone = phone[:32]
    label = await text(update, context, "staff.btn_share_base")
    await reply(update, context, "staff.ask_base", location_keyboard(label), phone=staff.phone)
    return State.BASE


async def take_base(update: Update, context: AppContext) -> int | None:
    """Stores the shared base location (a real place on Earth only)."""
    point = await location_or_complain(update, context)
    if point is None:
        return None
    staff = await _me(update, context)
    if staff is None:
        return END
    staff.base_latitude, staff.base_longitude = point
    logger.info("staff %s set their base", staff.id)
    await reply(
        update, context, "staff.profile_saved", ReplyKeyboardRemove(),
        phone=staff.phone or "-", base=_base(staff),
    )  # fmt: skip
    return END


async def base_not_typed(update: Update, context: AppContext) -> None:
    """Typed addresses are not geocoded: asks for the location button."""
    label = await text(update, context, "staff.btn_share_base")
    await reply(update, context, "staff.base_by_button", location_keyboard(label))


async def _me(update: Update, context: AppContext) -> Staff | None:
    """The technician filling in the profile (None if removed from staff meanwhile)."""
    user = update.effective_user
    staff = await people.get_staff(context.session, telegram_id=user.id) if user else None
    if staff is None or not staff.role_set & TECH_ROLES:
        await reply(update, context, "common.not_allowed", ReplyKeyboardRemove())
        return None
    return staff


def build() -> ConversationHandler[AppContext]:
    """The join-and-profile conversation (before the registration dialog's /start)."""
    return conversation(
        entry_points=[
            CommandHandler(
                "start",
                join_then_ask,
                filters=filters.Regex(r"^/start(@\w+)? join-"),
            ),
            CommandHandler("profile", profile_command, filters=filters.ChatType.PRIVATE),
        ],
        states={
            State.PHONE: [
                MessageHandler(filters.CONTACT | (filters.TEXT & ~filters.COMMAND), take_phone),
            ],
            State.BASE: [
                MessageHandler(filters.LOCATION, take_base),
                MessageHandler(filters.TEXT & ~filters.COMMAND, base_not_typed),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_command)],
        name="tech_profile",
    )
