"""/dashboard: a staff member gets a one-time login link to the web dashboard."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from telegram import LinkPreviewOptions, Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.common import reply, text
from bot.context import AppContext, BotApplication
from storage.repos import dashboard as web_store
from storage.repos import people

logger = logging.getLogger(__name__)


def dashboard_base(context: AppContext) -> str:
    """Where the dashboard is reached: the public URL, else the local HTTP address."""
    settings = context.services.settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    # A wildcard bind address is no place to browse to; this machine itself is.
    host = "127.0.0.1" if settings.http_host in ("", "0.0.0.0", "::") else settings.http_host
    return f"http://{host}:{settings.http_port}"


async def dashboard_command(update: Update, context: AppContext) -> None:
    """Sends an active staff member a login link valid once, for a few minutes, in private."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    staff = await people.get_staff(context.session, telegram_id=user.id)
    if staff is None:
        await reply(update, context, "dashboard.staff_only")
        return
    if chat.type != ChatType.PRIVATE:
        # A login link in a group would let every member in as this person.
        await reply(update, context, "dashboard.private_only")
        return
    minutes = context.services.settings.dashboard_link_minutes
    token = secrets.token_urlsafe(32)
    await web_store.create_login_token(
        context.session,
        staff_id=staff.id,
        token=token,
        now=context.services.clock.now(),
        valid_for=timedelta(minutes=minutes),
    )
    url = f"{dashboard_base(context)}/login/{token}"
    body = await text(update, context, "dashboard.link", minutes=int(minutes), url=url)
    # No preview: a preview fetch must not be the one that sees the link first.
    await context.bot.send_message(
        chat.id, body, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    logger.info("dashboard link sent to staff %s", staff.id)


def register(application: BotApplication) -> None:
    """Adds the /dashboard command."""
    application.add_handler(CommandHandler("dashboard", dashboard_command))
