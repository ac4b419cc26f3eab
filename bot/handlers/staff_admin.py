"""/staff for admins: the staff list, each with a remove button and a confirmation step."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import paging
from bot.access import ADMIN_ROLES, staff_member
from bot.common import answer, edit_or_reply, language_of, pressed
from bot.context import AppContext, BotApplication
from bot.keyboards import Row, inline
from bot.routes import desk_route
from core.callbacks import AskRemoval, KeepStaff, RemoveRole, RemoveStaff, StaffButton
from services import staff as staff_changes
from storage.models import Staff
from storage.repos import people

logger = logging.getLogger(__name__)


async def staff_command(update: Update, context: AppContext) -> None:
    """Lists the active staff with a remove button each (admins only)."""
    await staff_page(update, context, 0)


@paging.paged("staff")
async def staff_page(update: Update, context: AppContext, page: int) -> None:
    """One page of the staff list."""
    admin = await staff_member(update, context, ADMIN_ROLES)
    if admin is None:
        return
    language = await language_of(update, context)
    texts = context.services.texts
    members = [s for s in await people.list_staff(context.session) if s.active]
    entries = []
    for member in members:
        roles = ", ".join(texts.get(language, f"staff.role.{r}") for r in sorted(member.role_set))
        line = texts.get(
            language, "staff.list_line", name=member.name, id=member.telegram_id, roles=roles
        )
        label = texts.get(language, "staff.btn_remove", name=member.name)
        rows: list[Row] = [] if member.id == admin.id else [[(label, AskRemoval(member.id))]]
        entries.append(paging.Entry(line, rows))
    listing = paging.Listing("staff.list", entries, {"count": len(members)})
    await paging.show(update, context, kind="staff", page=page, listing=listing)


async def _member(update: Update, context: AppContext, staff_id: int | None) -> Staff | None:
    """The active staff member a button names; a stale button is answered."""
    member = await people.get_staff_by_id(context.session, staff_id=staff_id) if staff_id else None
    if member is None or not member.active:
        await answer(update, context, "staff.already_removed")
        return None
    return member


async def staff_button(update: Update, context: AppContext) -> None:
    """Asks to confirm a removal, carries it out, or leaves it."""
    admin = await staff_member(update, context, ADMIN_ROLES)
    if admin is None:
        return
    button = await pressed(update, context, StaffButton)
    if button is None:
        return
    if isinstance(button, KeepStaff):
        await answer(update, context)
        await edit_or_reply(update, context, "staff.remove_kept")
        return
    assert isinstance(button, AskRemoval | RemoveStaff | RemoveRole)
    role = button.role if isinstance(button, RemoveRole) else None
    member = await _member(update, context, button.staff_id)
    if member is None:
        return
    if member.id == admin.id:
        await answer(update, context, "staff.remove_self")
        return
    if member.telegram_id in context.services.settings.admin_ids and role in (None, "admin"):
        await answer(update, context, "staff.remove_settings_admin")
        return
    if isinstance(button, AskRemoval):
        await answer(update, context)
        await _confirm(update, context, member)
        return
    removed = await staff_changes.remove(
        context.session,
        staff=member,
        role=role,
        by=staff_changes.by_staff(admin),
        now=context.services.clock.now(),
        route=desk_route(context),
        policy=context.services.policy,
    )
    await answer(update, context)
    roles = ", ".join(
        [context.services.texts.get(await language_of(update, context), f"staff.role.{r}")
         for r in removed]
    )  # fmt: skip
    await edit_or_reply(update, context, "staff.removed", name=member.name, roles=roles or "-")


async def _confirm(update: Update, context: AppContext, member: Staff) -> None:
    """The confirmation step: remove every role, or one of several, or keep."""
    language = await language_of(update, context)
    texts = context.services.texts
    rows: list[Row] = [[(texts.get(language, "staff.btn_remove_all"), RemoveStaff(member.id))]]
    if len(member.role_set) > 1:
        rows += [
            [
                (
                    texts.get(
                        language,
                        "staff.btn_remove_role",
                        role=texts.get(language, f"staff.role.{role}"),
                    ),
                    RemoveRole(member.id, role),
                )
            ]
            for role in sorted(member.role_set)
        ]
    rows.append([(texts.get(language, "staff.btn_keep"), KeepStaff())])
    roles = ", ".join(texts.get(language, f"staff.role.{r}") for r in sorted(member.role_set))
    await edit_or_reply(
        update, context, "staff.remove_confirm", inline(rows), name=member.name, roles=roles
    )


def register(application: BotApplication) -> None:
    """Adds /staff and its buttons."""
    application.add_handler(CommandHandler("staff", staff_command))
    application.add_handler(CallbackQueryHandler(staff_button, pattern=StaffButton.pattern()))
