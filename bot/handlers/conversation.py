"""The customer's side of a case's conversation: a message outside any dialog joins a case.

Registered after every dialog, just before the fallbacks: a message a dialog is waiting for
never gets here. With several open cases the message waits in the customer's persisted data
(it survives a restart) until they choose the case.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from bot.access import registered_customer
from bot.common import answer, language_of, mark_chosen, pressed, reply, retire_prompts
from bot.context import AppContext, BotApplication
from bot.keyboards import Row, inline
from bot.persistence import conversation_namespace, conversation_row_key
from bot.routes import desk_route
from core.callbacks import ThreadCase
from domain.lifecycle import OPEN_STATUSES
from domain.validation import InputError, clean_text
from services import conversation
from services.conversation import Incoming
from storage.models import Case, Customer
from storage.repos import cases as case_rows
from storage.repos import people, state

logger = logging.getLogger(__name__)

# Messages waiting for the customer's choice of case, in their persisted user data.
PENDING = "conversation_pending"
MAX_PENDING = 20
TEXT_LIMIT = 2000
LABEL_LIMIT = 40


def _incoming(message: Message) -> Incoming | None:
    """What a message carries that can join a case, or None (stickers, files, contacts...)."""
    if message.photo:
        return Incoming(message.caption, photo_file_id=message.photo[-1].file_id)
    if message.voice is not None:
        return Incoming(message.caption, voice_file_id=message.voice.file_id)
    if message.text:
        return Incoming(message.text)
    return None


async def _customer(update: Update, context: AppContext) -> Customer | None:
    """The registered customer who wrote, without asking anyone else to register."""
    user = update.effective_user
    customer = await people.get_customer(context.session, telegram_id=user.id) if user else None
    if customer is None or customer.registered_at is None or customer.forgotten_at is not None:
        return None
    return customer


async def _in_dialog(update: Update, context: AppContext) -> bool:
    """Whether the user is in the middle of a dialog (at a step that did not take this message).

    Such a message is no word to the desk: it was meant for the dialog.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    names = [
        conversation_namespace(handler.name)
        for handlers in context.application.handlers.values()
        for handler in handlers
        if isinstance(handler, ConversationHandler) and handler.persistent and handler.name
    ]
    return await state.holds_any(
        context.session,
        namespaces=names,
        key=conversation_row_key((chat.id, user.id)),
        now=context.services.clock.now(),
    )


async def customer_message(update: Update, context: AppContext) -> None:
    """Adds a message to the customer's open case, asks which case, or points to /help."""
    message = update.effective_message
    found = _incoming(message) if message is not None else None
    if found is not None and await _in_dialog(update, context):
        found = None  # a dialog waits for a button or another kind of answer
    customer = await _customer(update, context) if found is not None else None
    cases = await conversation.open_cases(context.session, customer=customer) if customer else []
    if found is None or customer is None or not cases:
        await reply(update, context, "common.stray_message")
        return
    try:
        text = clean_text(found.text, max_length=TEXT_LIMIT) if found.text else None
    except InputError as exc:
        if exc.reason != "empty" or (found.photo_file_id is None and found.voice_file_id is None):
            await reply(update, context, f"common.input.{exc.reason}", limit=TEXT_LIMIT)
            return
        text = None  # a photo whose caption is only blanks
    incoming = Incoming(text, found.photo_file_id, found.voice_file_id)
    now = context.services.clock.now()
    if len(cases) == 1:
        await conversation.from_customer(
            context.session, case=cases[0], customer=customer, incoming=incoming, now=now,
            route=desk_route(context),
        )  # fmt: skip
        await reply(update, context, "conversation.sent", number=cases[0].number)
        return
    await _wait_for_choice(update, context, incoming, now, cases)


async def _wait_for_choice(
    update: Update, context: AppContext, incoming: Incoming, now: datetime, cases: list[Case]
) -> None:
    """Keeps the message until the customer picks its case, and asks (again) which one."""
    assert context.user_data is not None
    waiting: list[dict[str, Any]] = context.user_data.setdefault(PENDING, [])
    if len(waiting) >= MAX_PENDING:
        await reply(update, context, "conversation.too_many_waiting")
        return
    waiting.append({**incoming.to_json(), "at": now.isoformat()})
    language = await language_of(update, context)
    texts = context.services.texts
    rows: list[Row] = []
    for case in cases:
        about = case.description if len(case.description) <= LABEL_LIMIT else (
            case.description[: LABEL_LIMIT - 1] + "…"
        )  # fmt: skip
        label = texts.get(language, "conversation.btn_case", number=case.number, description=about)
        rows.append([(label, ThreadCase(case.id))])
    await retire_prompts(update, context, ThreadCase)  # one question, with the latest count
    await reply(update, context, "conversation.which_case", inline(rows), count=len(waiting))


async def choose_case(update: Update, context: AppContext) -> None:
    """Adds the waiting messages to the chosen case and passes them on."""
    button = await pressed(update, context, ThreadCase)
    customer = await registered_customer(update, context) if button else None
    if button is None or customer is None:
        return
    case = await case_rows.case_of_customer(
        context.session, case_id=button.case_id, customer_id=customer.id
    )
    if case is None:
        await answer(update, context, "common.stale_button")
        return
    if case.status not in OPEN_STATUSES:
        await answer(update, context, "conversation.case_closed", number=case.number)
        return
    waiting = (context.user_data or {}).pop(PENDING, None) or []
    if not waiting:
        await answer(update, context, "conversation.nothing_waiting")
        return
    await answer(update, context)
    now = context.services.clock.now()
    for item in waiting:
        sent_at = datetime.fromisoformat(item["at"]) if item.get("at") else now
        await conversation.from_customer(
            context.session, case=case, customer=customer, incoming=Incoming.from_json(item),
            now=now, at=sent_at, route=desk_route(context),
        )  # fmt: skip
    await mark_chosen(update, context)
    await reply(update, context, "conversation.sent_many", count=len(waiting), number=case.number)


def register(application: BotApplication) -> None:
    """Adds the choice of case, and the customer's messages (after every dialog)."""
    application.add_handler(CallbackQueryHandler(choose_case, pattern=ThreadCase.pattern()))
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VOICE),
            customer_message,
        )
    )
