"""The one factory that builds the Telegram Application and wires every handler."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, ContextTypes

from bot import paging
from bot.context import AppContext, BotData, Services, current_unit
from bot.context import BotApplication as BotApplication
from bot.dialogs import (
    check_in,
    complaint,
    complaint_close,
    decline_job,
    dispute_report,
    job_message,
    job_note,
    new_request,
    products,
    quote,
    register,
    report_fault,
    service_report,
    survey,
    tech_profile,
)
from bot.handlers import (
    approvals,
    conversation,
    customer,
    dashboard,
    desk,
    fallback,
    late_visit,
    outbox_admin,
    staff,
    staff_admin,
    supervisor,
    technician,
)
from bot.persistence import DbPersistence
from bot.replies import ReplyBot
from core.clock import Clock
from core.i18n import Texts, normalize_language
from core.settings import Settings
from core.transport import AiohttpRequest
from services.policy import policy_from

logger = logging.getLogger(__name__)


def build_application(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> BotApplication:
    """Builds the bot against the configured Bot API server, with every handler."""
    if settings.bot_token is None:
        raise ValueError("AFTERSALES_BOT_TOKEN is not set")
    base = settings.telegram_base_url.rstrip("/")
    context_types = ContextTypes(context=AppContext, bot_data=BotData)
    bot = ReplyBot(
        settings.bot_token.get_secret_value(),
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=AiohttpRequest(connection_pool_size=256),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    application: BotApplication = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(context_types)
        .persistence(DbPersistence(sessions, clock, ttl=timedelta(days=settings.dialog_ttl_days)))
        .updater(None)
        .build()
    )
    application.bot_data.services = Services(
        settings=settings,
        sessions=sessions,
        clock=clock,
        policy=policy_from(settings),
        texts=Texts(settings.tz, settings.currency),
    )
    register_handlers(application)
    register_fallbacks(application)
    application.add_error_handler(on_error)
    return application


def register_handlers(application: BotApplication) -> None:
    """Adds every dialog and handler, staff before customers."""
    paging.register(application)
    register_dispatch(application)
    outbox_admin.register(application)
    dashboard.register(application)
    application.add_handler(register.build())
    application.add_handler(report_fault.build())
    application.add_handler(products.build())
    customer.register(application)
    late_visit.register(application)
    # After the other dialogs: a survey or complaint left half-way must not take their text.
    register_feedback(application)


def register_dispatch(application: BotApplication) -> None:
    """Staff membership, the desk, the technician's job and the customer's answers to it."""
    staff.register(application)
    staff_admin.register(application)
    desk.register(application)
    technician.register(application)
    dialogs = (
        decline_job, check_in, job_note, job_message, quote, service_report, dispute_report,
        new_request,
    )  # fmt: skip
    for dialog in dialogs:
        application.add_handler(dialog.build())
    # After the job dialogs (an unanswered profile question must not swallow a decline reason
    # or a check-in), before the registration dialog (its /start would take /start join-…).
    application.add_handler(tech_profile.build())
    approvals.register(application)


def register_feedback(application: BotApplication) -> None:
    """Surveys, complaints and the supervisors' complaint handling."""
    supervisor.register(application)
    application.add_handler(complaint_close.build())
    complaint.register(application)
    application.add_handler(survey.build())


def register_fallbacks(application: BotApplication) -> None:
    """Answers what no handler took: unknown commands, stray text, stale buttons, edits.

    A customer's message outside a dialog joins their open case first (the conversation).
    """
    conversation.register(application)
    fallback.register(application)


async def on_error(update: object, context: AppContext) -> None:
    """Marks the update's transaction failed, logs the error, tells the user.

    The answers queued before the failure are dropped: the user is told only of the error.
    """
    unit = current_unit.get()
    if unit is not None:
        unit.failed = True
        unit.replies.clear()
    logger.error("handler error", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # The session may be broken: pick the language without the database.
    language = (context.user_data or {}).get("lang") or normalize_language(
        update.effective_user.language_code if update.effective_user else None
    )
    try:
        await context.bot.send_message(
            update.effective_chat.id, context.services.texts.get(language, "common.error")
        )
    except TelegramError:
        logger.exception("could not tell the user about the error")
