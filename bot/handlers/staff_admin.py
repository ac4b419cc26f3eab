"""/staff for admins: the staff list, each with a remove button and a confirmation step."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import paging
from bot.common import answer, edit_or_reply, language_of
from bot.context import AppContext
from bot.handlers.staff import ADMIN_ROLES, desk_route, staff_member
from bot.keyboards import inline
from services import staff as staff_changes
from storage.models import Staff
from storage.repos import people

if TYPE_CHECKING:
    from bot.app import BotApplication

logger = logging.getLogger(__name__)

# The one place this module's callback data is built and read:
# stf:ask:<staff id>             asks to confirm the removal
# stf:ok:<staff id>[:<role>]     removes (every role, or the one named)
# stf:no                         leaves everything as it is
_DATA = re.compile(r"^stf:(ask|ok|no)(?::(\d{1,9}))?(?::([a-z]{1,20}))?$")


def staff_data(step: str, staff_id: int | None = None, role: str | None = None) -> str:
    """Callback data of a /staff button."""
    return ":".join(str(p) for p in ("stf", step, staff_id, role) if p is not None)


def parse_staff_data(data: str) -> tuple[str, int | None, str | None] | None:
    """(step, staff id, role) of a /staff button, or None if the data is not one."""
    match = _DATA.match(data)
    if match is None:
        return None
    step, staff_id, role = match.groups()
    return step, int(staff_id) if staff_id else None, role


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
        rows = [] if member.id == admin.id else [[(label, staff_data("ask", member.id))]]
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
    query = update.callback_query
    assert query is not None and query.data is not None
    admin = await staff_member(update, context, ADMIN_ROLES)
    if admin is None:
        return
    parsed = parse_staff_data(query.data)
    if parsed is None:
        await answer(update, context, "common.stale_button")
        return
    step, staff_id, role = parsed
    if step == "no":
        await answer(update, context)
        await edit_or_reply(update, context, "staff.remove_kept")
        return
    member = await _member(update, context, staff_id)
    if member is None:
        return
    if member.id == admin.id:
        await answer(update, context, "staff.remove_self")
        return
    if member.telegram_id in context.services.settings.admin_ids and role in (None, "admin"):
        await answer(update, context, "staff.remove_settings_admin")
        return
    if step == "ask":
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
    rows = [[(texts.get(language, "staff.btn_remove_all"), staff_data("ok", member.id))]]
    if len(member.role_set) > 1:
        rows += [
            [
                (
                    texts.get(
                        language,
                        "staff.btn_remove_role",
                        role=texts.get(language, f"staff.role.{role}"),
                    ),
                    staff_data("ok", member.id, role),
                )
            ]
            for role in sorted(member.role_set)
        ]
    rows.append([(texts.get(language, "staff.btn_keep"), staff_data("no"))])
    roles = ", ".join(texts.get(language, f"staff.role.{r}") for r in sorted(member.role_set))
    await edit_or_reply(
        update, context, "staff.remove_confirm", inline(rows), name=member.name, roles=roles
    )


def register(application: BotApplication) -> None:
    """Adds /staff and its buttons."""
    application.add_handler(CommandHandler("staff", staff_command))
    application.add_handler(CallbackQueryHandler(staff_button, pattern=r"^stf:"))
