"""Staff membership: joining by invite link, /invite for admins, admins from the settings,
and the role checks every staff command and button goes through."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, TypeHandler
from telegram.ext import filters as tg_filters

from bot.common import answer, edit_or_reply, reply, text
from bot.context import AppContext
from bot.keyboards import inline
from core.i18n import normalize_language
from domain.lifecycle import Actor
from services import staff as staff_changes
from services.desk import DeskRoute
from services.reports import QualityRoute
from storage.models import Staff
from storage.repos import people

if TYPE_CHECKING:
    from bot.app import BotApplication

logger = logging.getLogger(__name__)

DESK_ROLES = frozenset({"dispatcher", "supervisor", "admin"})
TECH_ROLES = frozenset({"technician"})
ADMIN_ROLES = frozenset({"admin"})
INVITE_DAYS = 7


def desk_route(context: AppContext) -> DeskRoute:
    """Where desk notices go, from the settings."""
    settings = context.services.settings
    return DeskRoute(settings.desk_chat_id, settings.default_language, settings.auto_assign)


def quality_route(context: AppContext) -> QualityRoute:
    """Where major quality problems go, from the settings."""
    settings = context.services.settings
    return QualityRoute(
        settings.quality_chat_id, settings.default_language, settings.purchasing_chat_id
    )


def desk_actor(staff: Staff) -> Actor:
    """The lifecycle actor a desk member acts as."""
    roles = staff.role_set
    if "dispatcher" in roles or "admin" in roles:
        return Actor.DESK
    return Actor.SUPERVISOR


async def staff_member(update: Update, context: AppContext, roles: frozenset[str]) -> Staff | None:
    """The active staff member behind the update if they hold one of the roles, else refuses."""
    user = update.effective_user
    staff = await people.get_staff(context.session, telegram_id=user.id) if user else None
    if staff is not None and staff.role_set & roles:
        return staff
    logger.warning("user %s refused a staff action", user.id if user else None)
    if update.callback_query is not None:
        await answer(update, context, "common.not_allowed")
    else:
        await reply(update, context, "common.not_allowed")
    return None


async def bootstrap_admin(update: Update, context: AppContext) -> None:
    """Makes the configured admins staff admins at their first contact."""
    user = update.effective_user
    if user is None or user.id not in context.services.settings.admin_ids:
        return
    staff = await people.get_staff(context.session, telegram_id=user.id)
    if staff is not None and "admin" in staff.role_set:
        return
    await staff_changes.grant(
        context.session,
        telegram_id=user.id,
        name=staff.name if staff else user.full_name,
        roles=["admin"],
        language=staff.language if staff else normalize_language(user.language_code),
        now=context.services.clock.now(),
        by=staff_changes.SETTINGS,
        max_open_jobs=staff.max_open_jobs if staff else 5,
    )
    logger.info("user %s is an admin from the settings", user.id)


async def join(update: Update, context: AppContext) -> None:
    """Redeems a one-time invite (/start join-<token>) and makes the user staff."""
    user = update.effective_user
    assert user is not None
    token = (context.args[0] if context.args else "").removeprefix("join-")
    now = context.services.clock.now()
    invite = await people.redeem_invite(context.session, token=token, telegram_id=user.id, now=now)
    if invite is None:
        await reply(update, context, "staff.join_invalid")
        return
    existing = await people.get_staff(context.session, telegram_id=user.id)
    customer = await people.get_customer(context.session, telegram_id=user.id)
    language = (
        existing.language
        if existing
        else customer.language
        if customer
        else normalize_language(user.language_code)
    )
    inviter = (
        await people.get_staff(context.session, telegram_id=invite.created_by)
        if invite.created_by is not None
        else None
    )
    by = staff_changes.ChangedBy("invite", inviter.name if inviter else None, invite.created_by)
    staff = await staff_changes.grant(
        context.session,
        telegram_id=user.id,
        name=existing.name if existing else user.full_name,
        roles=[invite.role],
        language=language,
        now=now,
        by=by,
        max_open_jobs=existing.max_open_jobs if existing else 5,
    )
    if context.user_data is not None:
        context.user_data["lang"] = staff.language
    logger.info("user %s joined as %s", user.id, invite.role)
    await reply(
        update, context, "staff.joined", name=staff.name, role={"$t": f"staff.role.{invite.role}"}
    )


async def invite_command(update: Update, context: AppContext) -> None:
    """Offers the roles an admin can invite (or creates the link for a role given inline)."""
    staff = await staff_member(update, context, ADMIN_ROLES)
    if staff is None:
        return
    if context.args and context.args[0] in people.STAFF_ROLES:
        await _send_invite(update, context, staff, context.args[0])
        return
    rows = [
        [(await text(update, context, f"staff.role.{role}"), f"inv:{role}")]
        for role in people.STAFF_ROLES
    ]
    await reply(update, context, "staff.invite_choose", inline(rows))


async def invite_button(update: Update, context: AppContext) -> None:
    """Creates the invite for the chosen role."""
    query = update.callback_query
    assert query is not None and query.data is not None
    staff = await staff_member(update, context, ADMIN_ROLES)
    if staff is None:
        return
    role = query.data.split(":", 1)[1]
    if role not in people.STAFF_ROLES:
        await answer(update, context, "common.stale_button")
        return
    await answer(update, context)
    await _send_invite(update, context, staff, role)


async def _send_invite(update: Update, context: AppContext, staff: Staff, role: str) -> None:
    """Stores a one-time invite and shows its deep link."""
    token = secrets.token_urlsafe(16)
    await people.create_invite(
        context.session,
        token=token,
        role=role,
        now=context.services.clock.now(),
        created_by=staff.telegram_id,
    )
    link = f"https://t.me/{context.bot.username}?start=join-{token}"
    await edit_or_reply(
        update,
        context,
        "staff.invite_link",
        role={"$t": f"staff.role.{role}"},
        link=link,
        command=f"/start join-{token}",
        days=INVITE_DAYS,
    )


def register(application: BotApplication) -> None:
    """Adds the staff membership handlers (before the customer registration dialog)."""
    application.add_handler(TypeHandler(Update, bootstrap_admin), group=-1)
    application.add_handler(
        CommandHandler("start", join, filters=tg_filters.Regex(r"^/start(@\w+)? join-"))
    )
    application.add_handler(CommandHandler("invite", invite_command))
    application.add_handler(CallbackQueryHandler(invite_button, pattern=r"^inv:\w+$"))
