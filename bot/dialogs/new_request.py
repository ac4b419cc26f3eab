"""/new: a dispatcher registers a request that came by phone, letter, e-mail or a visit."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import DESK_ROLES, staff_member
from bot.common import answer, drop_buttons, language_of, pressed, reply
from bot.context import AppContext
from bot.dialogs.fault_steps.deadline import deadlines
from bot.dialogs.shared import cancel_command, clean_or_complain, conversation, unsupported_input
from bot.keyboards import inline
from bot.routes import desk_route
from core.callbacks.intake import NewChannel, NewConfirm, NewDeadline, NewKind, NewSkip
from domain.lifecycle import CaseKind
from domain.sla import OnsiteChoice
from domain.validation import InputError, normalize_phone, normalize_serial
from services import desk_intake
from storage.models import Customer
from storage.repos import api as api_rows
from storage.repos import people

logger = logging.getLogger(__name__)

END = ConversationHandler.END
DRAFT = "new_request"


class State(IntEnum):
    """Steps of registering a request for a customer."""

    PHONE = 1
    NAME = 2
    COMPANY = 3
    SERIAL = 4
    KIND = 5
    DESCRIPTION = 6
    ADDRESS = 7
    DEADLINE = 8
    CHANNEL = 9
    CONFIRM = 10


def _draft(context: AppContext) -> dict[str, Any]:
    """The request being taken down."""
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


async def _buttons(update: Update, context: AppContext, rows: list[tuple[str, Any]]) -> Any:
    """One button per row, labels from the catalog."""
    texts, language = context.services.texts, await language_of(update, context)
    return inline([[(texts.get(language, key), data)] for key, data in rows])


async def start(update: Update, context: AppContext) -> int | None:
    """Asks for the customer's phone number."""
    if await staff_member(update, context, DESK_ROLES) is None:
        return END
    assert context.user_data is not None
    context.user_data[DRAFT] = {}
    await reply(update, context, "new.ask_phone")
    return State.PHONE


async def take_phone(update: Update, context: AppContext) -> int | None:
    """Finds the customer by phone, or asks for the new customer's name."""
    assert update.message is not None
    try:
        phone = normalize_phone(update.message.text or "")
    except InputError:
        await reply(update, context, "common.input.phone")
        return None
    _draft(context)["phone"] = phone
    found = await api_rows.customers_by_phone(context.session, phone=phone)
    if found:
        _draft(context)["customer_id"] = found[0].id
        await reply(update, context, "new.found", name=found[0].name or phone)
        return await _ask_serial(update, context)
    await reply(update, context, "new.ask_name")
    return State.NAME


async def _stored(update: Update, context: AppContext, field: str, limit: int) -> bool:
    """Stores a typed answer in the draft, or says what is wrong with it."""
    assert update.message is not None
    value = await clean_or_complain(update, context, update.message.text, limit=limit)
    if value is not None:
        _draft(context)[field] = value
    return value is not None


async def take_name(update: Update, context: AppContext) -> int | None:
    """Stores the new customer's name and asks for the company."""
    if not await _stored(update, context, "name", 100):
        return None
    markup = await _buttons(update, context, [("common.btn.skip", NewSkip())])
    await reply(update, context, "new.ask_company", markup)
    return State.COMPANY


async def _skipped(update: Update, context: AppContext) -> bool:
    """Whether Skip was pressed (the button is then answered and removed)."""
    if update.callback_query is None:
        return False
    await answer(update, context)
    await drop_buttons(update.callback_query)
    return True


async def take_company(update: Update, context: AppContext) -> int | None:
    """Stores the company (or none) and asks for the serial."""
    skipped = await _skipped(update, context)
    if not skipped and not await _stored(update, context, "company", 120):
        return None
    return await _ask_serial(update, context)


async def _ask_serial(update: Update, context: AppContext) -> int:
    """Asks for the product's serial, which may be skipped."""
    markup = await _buttons(update, context, [("common.btn.skip", NewSkip())])
    await reply(update, context, "new.ask_serial", markup)
    return State.SERIAL


async def take_serial(update: Update, context: AppContext) -> int | None:
    """Stores the serial (or none) and asks for the kind of request."""
    if not await _skipped(update, context):
        assert update.message is not None
        try:
            _draft(context)["serial"] = normalize_serial(update.message.text or "")
        except InputError:
            await reply(update, context, "common.input.serial")
            return None
    rows = [(f"kind.{k}", NewKind(k)) for k in ("fault", "installation")]
    await reply(update, context, "new.ask_kind", await _buttons(update, context, rows))
    return State.KIND


async def take_kind(update: Update, context: AppContext) -> int | None:
    """Stores the kind and asks for the description."""
    button = await pressed(update, context, NewKind)
    if button is None or update.callback_query is None:
        return None
    await answer(update, context)
    await drop_buttons(update.callback_query)
    _draft(context)["kind"] = button.kind
    await reply(update, context, "new.ask_description")
    return State.DESCRIPTION


async def take_description(update: Update, context: AppContext) -> int | None:
    """Stores the description and asks for the site address."""
    if not await _stored(update, context, "description", 1000):
        return None
    await reply(update, context, "new.ask_address")
    return State.ADDRESS


async def take_address(update: Update, context: AppContext) -> int | None:
    """Stores the address and offers the quick deadlines."""
    if not await _stored(update, context, "address", 300):
        return None
    policy, now = context.services.policy, context.services.clock.now()
    texts, language = context.services.texts, await language_of(update, context)
    rows = [[(texts.get(language, "report.btn_urgent", hours=policy.urgent_onsite_hours),
              NewDeadline("urgent"))]]  # fmt: skip
    if deadlines(context).quick_deadline(OnsiteChoice.TODAY, now) is not None:
        label = texts.get(language, "report.btn_today", hour=policy.day_end_hour)
        rows.append([(label, NewDeadline("today"))])
    label = texts.get(language, "report.btn_tomorrow", hour=policy.day_end_hour)
    rows.append([(label, NewDeadline("tomorrow"))])
    await reply(update, context, "report.ask_deadline", inline(rows))
    return State.DEADLINE


async def take_deadline(update: Update, context: AppContext) -> int | None:
    """Stores the deadline and asks how the request came in."""
    button = await pressed(update, context, NewDeadline)
    if button is None or update.callback_query is None:
        return None
    now = context.services.clock.now()
    deadline = deadlines(context).quick_deadline(OnsiteChoice(button.choice), now)
    if deadline is None:
        await answer(update, context, "report.deadline_past")
        return None
    await answer(update, context)
    await drop_buttons(update.callback_query)
    _draft(context)["deadline"] = deadline.isoformat()
    rows = [(f"channel.{c}", NewChannel(c)) for c in ("phone", "letter", "email", "visit")]
    await reply(update, context, "new.ask_channel", await _buttons(update, context, rows))
    return State.CHANNEL


async def take_channel(update: Update, context: AppContext) -> int | None:
    """Stores the channel and shows the summary to confirm."""
    button = await pressed(update, context, NewChannel)
    if button is None or update.callback_query is None:
        return None
    await answer(update, context)
    await drop_buttons(update.callback_query)
    draft = _draft(context)
    draft["channel"] = button.channel
    markup = await _buttons(update, context, [("new.btn_confirm", NewConfirm())])
    await reply(
        update, context, "new.summary", markup,
        phone=draft["phone"], serial=draft.get("serial") or "-",
        kind={"$t": f"kind.{draft['kind']}"}, channel={"$t": f"channel.{draft['channel']}"},
        description=draft["description"], address=draft["address"],
        deadline=datetime.fromisoformat(draft["deadline"]),
    )  # fmt: skip
    return State.CONFIRM


async def confirm(update: Update, context: AppContext) -> int | None:
    """Registers the request; the desk member is told its number."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    await answer(update, context)
    staff = await staff_member(update, context, DESK_ROLES)
    if staff is None:
        return END
    draft = context.user_data.pop(DRAFT, {})
    now = context.services.clock.now()
    customer: Customer | None = None
    if "customer_id" in draft:
        customer = await people.get_customer_by_id(
            context.session, customer_id=draft["customer_id"]
        )
    if customer is None:
        customer = await api_rows.add_customer(
            context.session, name=draft["name"], phone=draft["phone"],
            company=draft.get("company"), region=None,
            language=context.services.settings.default_language, telegram_id=None, now=now,
        )  # fmt: skip
    request = desk_intake.DeskRequest(
        kind=CaseKind(draft["kind"]), description=draft["description"],
        channel=draft["channel"], onsite_due_at=datetime.fromisoformat(draft["deadline"]),
        address=draft["address"], serial=draft.get("serial"),
    )  # fmt: skip
    await drop_buttons(query)
    try:
        case = await desk_intake.register(
            context.session, customer=customer, request=request, staff=staff, now=now,
            policy=context.services.policy, desk=desk_route(context),
        )  # fmt: skip
    except desk_intake.Refused as refused:
        await reply(update, context, refused.key, days=context.services.policy.max_onsite_days)
        return END
    logger.info("case registered in chat by staff %s", staff.id, extra={"case": case.number})
    await reply(update, context, "new.registered", number=case.number)
    return END


def build() -> ConversationHandler[AppContext]:
    """The /new conversation."""
    skip = CallbackQueryHandler
    return conversation(
        entry_points=[CommandHandler("new", start, filters=filters.ChatType.PRIVATE)],
        states={
            State.PHONE: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_phone)],
            State.NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_name)],
            State.COMPANY: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, take_company),
                skip(take_company, pattern=NewSkip.pattern()),
            ],
            State.SERIAL: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, take_serial),
                skip(take_serial, pattern=NewSkip.pattern()),
            ],
            State.KIND: [CallbackQueryHandler(take_kind, pattern=NewKind.pattern())],
            State.DESCRIPTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_description)],
            State.ADDRESS: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_address)],
            State.DEADLINE: [CallbackQueryHandler(take_deadline, pattern=NewDeadline.pattern())],
            State.CHANNEL: [CallbackQueryHandler(take_channel, pattern=NewChannel.pattern())],
            State.CONFIRM: [CallbackQueryHandler(confirm, pattern=NewConfirm.pattern())],
        },
        fallbacks=[CommandHandler("cancel", cancel_command), unsupported_input()],
        name=DRAFT,
    )
