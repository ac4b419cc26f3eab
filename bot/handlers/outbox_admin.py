"""/outbox for admins: counts by status, the newest undeliverable messages, and requeueing."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler

from bot import paging
from bot.common import reply, text
from bot.context import AppContext, BotApplication
from domain.parsing import parse_id
from storage.repos import outbox, people

logger = logging.getLogger(__name__)

ERROR_CHARS = 120


async def is_admin(update: Update, context: AppContext) -> bool:
    """Whether the sender is an admin (by settings or by staff role)."""
    user = update.effective_user
    if user is None:
        return False
    if user.id in context.services.settings.admin_ids:
        return True
    staff = await people.get_staff(context.session, telegram_id=user.id)
    return staff is not None and "admin" in staff.role_set


async def outbox_command(update: Update, context: AppContext) -> None:
    """Shows the outbox's state and its dead rows; `/outbox retry <id>` queues one again."""
    args = context.args or []
    if args and await is_admin(update, context):
        await _retry(update, context, args)
        return
    await outbox_page(update, context, 0)


@paging.paged("out")
async def outbox_page(update: Update, context: AppContext, page: int) -> None:
    """One page of the outbox's state and its dead rows, newest first."""
    if not await is_admin(update, context):
        await reply(update, context, "common.not_allowed")
        return
    session = context.session
    counts = await outbox.counts_by_status(session)
    summary = await text(
        update,
        context,
        "scheduler.outbox.counts",
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        sent=counts.get("sent", 0),
        dead=counts.get("dead", 0),
    )
    dead = await outbox.dead_messages(session, limit=paging.LIST_LIMIT)
    if not dead:
        await reply(update, context, "scheduler.outbox.none_dead", summary=summary)
        return
    entries = []
    for row in dead:
        error = (row.last_error or "-").replace("\n", " ")
        if len(error) > ERROR_CHARS:
            error = error[: ERROR_CHARS - 1] + "…"
        line = await text(
            update,
            context,
            "scheduler.outbox.dead_line",
            id=row.id,
            chat_id=row.chat_id,
            what=str(row.payload.get("key", "-")),
            created=row.created_at,
            attempts=row.attempts,
            error=error,
        )
        entries.append(paging.Entry(line))
    listing = paging.Listing(
        "scheduler.outbox.dead_list", entries, {"summary": summary}, lines_arg="rows"
    )
    await paging.show(update, context, kind="out", page=page, listing=listing)


async def _retry(update: Update, context: AppContext, args: list[str]) -> None:
    """Requeues one dead message by id."""
    message_id = parse_id(args[1]) if len(args) == 2 and args[0].lower() == "retry" else None
    if message_id is None:
        await reply(update, context, "scheduler.outbox.usage")
        return
    requeued = await outbox.requeue_dead(
        context.session, message_id=message_id, now=context.services.clock.now()
    )
    if not requeued:
        await reply(update, context, "scheduler.outbox.not_dead", id=message_id)
        return
    user_id = update.effective_user.id if update.effective_user else None
    logger.info("admin %s requeued outbox %s", user_id, message_id)
    await reply(update, context, "scheduler.outbox.requeued", id=message_id)


def register(application: BotApplication) -> None:
    """Adds the /outbox command."""
    application.add_handler(CommandHandler("outbox", outbox_command))
