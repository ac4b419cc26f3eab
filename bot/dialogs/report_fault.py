"""Reporting a fault (or requesting an installation): product, problem, site, deadline, confirm."""

from __future__ import annotations

import logging
from datetime import date, datetime
from enum import IntEnum
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import registered_customer
from bot.common import drop_buttons, edit_or_reply, language_of, reply, text
from bot.context import AppContext
from bot.dialogs.shared import cancel_command, clean_or_complain, conversation, unsupported_input
from bot.keyboards import inline, location_keyboard
from bot.product_entry import claim_serial, parse_past_date
from bot.routes import desk_route
from domain.lifecycle import CaseKind
from domain.sla import DeadlinePolicy, OnsiteChoice, parse_local_datetime
from domain.validation import InputError
from services import intake
from services.intake import CaseDraft
from storage.models import Customer
from storage.repos import cases as case_rows
from storage.repos import products

logger = logging.getLogger(__name__)

MAX_PHOTOS = 5
DESCRIPTION_LIMIT = 2000
ADDRESS_LIMIT = 300
PICK_HOURS = (9, 11, 14, 16, 18)


class State(IntEnum):
    """Steps of the report."""

    PRODUCT = 1
    SERIAL = 2
    MODEL = 3
    PURCHASE = 4
    DESCRIBE = 5
    ADDRESS = 6
    ADDRESS_DETAIL = 7
    DEADLINE = 8
    CONFIRM = 9


END = ConversationHandler.END


def _draft(context: AppContext) -> dict[str, Any]:
    """The report being written, kept in the user's persisted data."""
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault("draft", {})
    return draft


def _deadlines(context: AppContext) -> DeadlinePolicy:
    """The deadline rules from the service policy."""
    policy = context.services.policy
    return DeadlinePolicy(
        tz=policy.tz,
        urgent_hours=policy.urgent_onsite_hours,
        day_end_hour=policy.day_end_hour,
        max_days=policy.max_onsite_days,
    )


async def start_report(update: Update, context: AppContext) -> int | None:
    """Starts a fault report (or an installation request with /install)."""
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    assert context.user_data is not None
    kind = CaseKind.INSTALLATION if _command(update) == "install" else CaseKind.FAULT
    context.user_data["draft"] = {"kind": kind.value, "photos": []}
    return await _ask_product(update, context, customer)


def _command(update: Update) -> str:
    """The command word of the message, without slash and bot name."""
    message = update.effective_message
    if message is None or not message.text:
        return ""
    return message.text.split()[0].lstrip("/").split("@")[0].lower()


async def start_for_product(update: Update, context: AppContext) -> int | None:
    """Starts a fault report from a product's button (deep link or product list)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    product = await _own_product(context, customer, query.data.rsplit(":", 1)[1])
    if product is None:
        await reply(update, context, "common.stale_button")
        return END
    assert context.user_data is not None
    context.user_data["draft"] = {
        "kind": CaseKind.FAULT.value,
        "photos": [],
        "product_id": product,
    }
    return await _ask_description(update, context)


async def _own_product(context: AppContext, customer: Customer, raw_id: str) -> int | None:
    """The product id if the product is registered to this customer."""
    try:
        product_id = int(raw_id)
    except ValueError:
        return None
    product = await products.get_product_by_id(context.session, product_id=product_id)
    if product is None or product.customer_id != customer.id:
        return None
    return product.id


async def _ask_product(update: Update, context: AppContext, customer: Customer) -> int:
    """Offers the customer's products and 'another product'."""
    owned = await products.products_of(context.session, customer_id=customer.id)
    if not owned:
        await reply(update, context, "products.ask_serial")
        return State.SERIAL
    rows = [[(f"{p.model} · {p.serial}", f"rf:p:{p.id}")] for p in owned[:8]]
    rows.append([(await text(update, context, "report.btn_other_product"), "rf:p:other")])
    await reply(update, context, "report.choose_product", inline(rows))
    return State.PRODUCT


async def choose_product(update: Update, context: AppContext) -> int | None:
    """Takes the chosen product (only one of the customer's own)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    choice = query.data.split(":")[2]
    if choice == "other":
        await edit_or_reply(update, context, "products.ask_serial")
        return State.SERIAL
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    product_id = await _own_product(context, customer, choice)
    if product_id is None:  # the query is answered already: a second answer would fail
        await reply(update, context, "common.stale_button")
        return None
    _draft(context)["product_id"] = product_id
    await drop_buttons(query)
    return await _ask_description(update, context)


async def take_serial(update: Update, context: AppContext) -> int | None:
    """Registers a typed serial, or asks for the model of an unknown one."""
    assert update.message is not None
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    found = await claim_serial(update, context, customer, update.message.text or "")
    if found is None:
        return None
    if isinstance(found, str):
        _draft(context)["serial"] = found
        await reply(update, context, "products.unknown_ask_model", serial=found)
        return State.MODEL
    _draft(context)["product_id"] = found.id
    return await _ask_description(update, context)


async def take_model(update: Update, context: AppContext) -> int | None:
    """Stores the model of an unknown product and asks for its purchase date."""
    assert update.message is not None
    model = await clean_or_complain(update, context, update.message.text, limit=100)
    if model is None:
        return None
    _draft(context)["model"] = model
    skip = await text(update, context, "common.btn.skip")
    await reply(update, context, "products.ask_purchase_date", inline([[(skip, "rf:skip")]]))
    return State.PURCHASE


async def take_purchase_date(update: Update, context: AppContext) -> int | None:
    """Reads the purchase date and records the unverified product."""
    assert update.message is not None
    today = context.services.clock.now().astimezone(context.services.policy.tz).date()
    try:
        bought = parse_past_date(update.message.text or "", today)
    except InputError as exc:
        await reply(update, context, f"common.input.{exc.reason}")
        return None
    return await _add_unverified(update, context, bought)


async def skip_purchase_date(update: Update, context: AppContext) -> int | None:
    """Records the unverified product without a purchase date."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    return await _add_unverified(update, context, None)


async def _add_unverified(update: Update, context: AppContext, bought: date | None) -> int:
    """Registers an unknown serial to the customer, warranty to be verified."""
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    draft = _draft(context)
    product = await products.add_unverified_product(
        context.session,
        serial=draft.pop("serial"),
        model=draft.pop("model"),
        purchase_date=bought,
        customer_id=customer.id,
        now=context.services.clock.now(),
    )
    draft["product_id"] = product.id
    await reply(
        update, context, "products.added_unverified", serial=product.serial, model=product.model
    )
    return await _ask_description(update, context)


async def _ask_description(update: Update, context: AppContext) -> int:
    """Asks what is wrong (or what to install)."""
    key = (
        "report.ask_description_install"
        if _draft(context).get("kind") == CaseKind.INSTALLATION
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
    draft = _draft(context)
    draft["description"] = description
    if draft.get("editing"):
        return await _show_summary(update, context)
    label = await text(update, context, "report.btn_continue")
    await reply(
        update, context, "report.photo_added_hint", inline([[(label, "rf:cont")]]), max=MAX_PHOTOS
    )
    return None


async def take_photo(update: Update, context: AppContext) -> int | None:
    """Adds a photo (its caption counts as description when there is none yet)."""
    message = update.message
    assert message is not None and message.photo
    draft = _draft(context)
    photos: list[list[str]] = draft.setdefault("photos", [])
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
    label = await text(update, context, "report.btn_continue")
    await reply(
        update,
        context,
        "report.photo_added",
        inline([[(label, "rf:cont")]]),
        count=len(photos),
        max=MAX_PHOTOS,
    )
    return None


async def continue_to_address(update: Update, context: AppContext) -> int | None:
    """Moves on from the description once there is one."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    draft = _draft(context)
    if not draft.get("description"):
        await reply(update, context, "report.need_description")
        return None
    await drop_buttons(update.callback_query)
    if draft.get("editing"):
        return await _show_summary(update, context)
    return await _ask_address(update, context)


async def _ask_address(update: Update, context: AppContext) -> int:
    """Asks where the technician should come."""
    label = await text(update, context, "report.btn_share_location")
    await reply(update, context, "report.ask_address", location_keyboard(label))
    return State.ADDRESS


async def take_address(update: Update, context: AppContext) -> int | None:
    """Stores a typed address."""
    assert update.message is not None
    address = await clean_or_complain(update, context, update.message.text, limit=ADDRESS_LIMIT)
    if address is None:
        return None
    draft = _draft(context)
    draft["address"] = address
    draft.pop("latitude", None)
    draft.pop("longitude", None)
    return await _after_address(update, context)


async def take_location(update: Update, context: AppContext) -> int | None:
    """Stores a shared location and asks for the address details."""
    message = update.message
    assert message is not None and message.location is not None
    draft = _draft(context)
    draft["latitude"] = message.location.latitude
    draft["longitude"] = message.location.longitude
    draft.pop("address", None)
    skip = await text(update, context, "common.btn.skip")
    await reply(update, context, "report.location_received_short", ReplyKeyboardRemove())
    await reply(update, context, "report.location_received", inline([[(skip, "rf:skip")]]))
    return State.ADDRESS_DETAIL


async def take_address_detail(update: Update, context: AppContext) -> int | None:
    """Adds typed details to a shared location."""
    assert update.message is not None
    detail = await clean_or_complain(update, context, update.message.text, limit=ADDRESS_LIMIT)
    if detail is None:
        return None
    _draft(context)["address"] = detail
    return await _after_address(update, context)


async def skip_address_detail(update: Update, context: AppContext) -> int | None:
    """Keeps the shared location without details."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    return await _after_address(update, context)


async def _after_address(update: Update, context: AppContext) -> int:
    """Continues to the deadline, or back to the summary when editing."""
    if update.message is not None:
        await reply(update, context, "report.address_saved", ReplyKeyboardRemove())
    if _draft(context).get("editing"):
        return await _show_summary(update, context)
    return await _ask_deadline(update, context)


async def _ask_deadline(update: Update, context: AppContext) -> int:
    """Offers the quick deadline choices."""
    language = await language_of(update, context)
    texts = context.services.texts
    policy = context.services.policy
    now = context.services.clock.now()
    rows: list[list[tuple[str, str]]] = [
        [
            (
                texts.get(language, "report.btn_urgent", hours=policy.urgent_onsite_hours),
                "rf:d:urgent",
            )
        ]
    ]
    if _deadlines(context).quick_deadline(OnsiteChoice.TODAY, now) is not None:
        rows.append(
            [(texts.get(language, "report.btn_today", hour=policy.day_end_hour), "rf:d:today")]
        )
    rows.append(
        [(texts.get(language, "report.btn_tomorrow", hour=policy.day_end_hour), "rf:d:tomorrow")]
    )
    rows.append([(texts.get(language, "report.btn_pick"), "rf:d:pick")])
    await reply(update, context, "report.ask_deadline", inline(rows))
    return State.DEADLINE


async def choose_quick_deadline(update: Update, context: AppContext) -> int | None:
    """Turns a quick choice into a deadline."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    choice = query.data.split(":")[2]
    if choice == "pick":
        return await _ask_day(update, context)
    try:
        option = OnsiteChoice(choice)
    except ValueError:
        return None
    deadline = _deadlines(context).quick_deadline(option, context.services.clock.now())
    if deadline is None:
        await reply(update, context, "report.deadline_gone")
        return await _ask_deadline(update, context)
    await drop_buttons(query)
    return await _set_deadline(update, context, deadline)


async def _ask_day(update: Update, context: AppContext) -> int:
    """Offers the next days as buttons."""
    days = _deadlines(context).selectable_days(context.services.clock.now())
    rows = [
        [(f"{d:%m-%d %a}", f"rf:day:{d.isoformat()}") for d in days[i : i + 4]]
        for i in range(0, len(days), 4)
    ]
    await edit_or_reply(update, context, "report.pick_day", inline(rows))
    return State.DEADLINE


async def choose_day(update: Update, context: AppContext) -> int | None:
    """Offers the hours of the chosen day."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    try:
        day = date.fromisoformat(query.data.split(":", 2)[2])
    except ValueError:
        return None
    rows = [[(f"{hour:02d}:00", f"rf:h:{day.isoformat()}:{hour}") for hour in PICK_HOURS]]
    await edit_or_reply(update, context, "report.pick_hour", inline(rows), day=day.isoformat())
    return None


async def choose_hour(update: Update, context: AppContext) -> int | None:
    """Sets the deadline from a picked day and hour."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    try:
        _, _, raw_day, raw_hour = query.data.split(":")
        deadline = _deadlines(context).at_local(date.fromisoformat(raw_day), int(raw_hour))
    except ValueError:
        return None
    await drop_buttons(query)
    return await _set_deadline(update, context, deadline)


async def type_deadline(update: Update, context: AppContext) -> int | None:
    """Reads a typed date and time."""
    assert update.message is not None
    deadline = parse_local_datetime(
        update.message.text or "", context.services.clock.now(), context.services.policy.tz
    )
    if deadline is None:
        await reply(update, context, "report.deadline_unreadable")
        return None
    return await _set_deadline(update, context, deadline)


async def _set_deadline(update: Update, context: AppContext, deadline: datetime) -> int | None:
    """Checks and stores the deadline, then shows the summary."""
    problem = _deadlines(context).check(deadline, context.services.clock.now())
    if problem is not None:  # the buttons stay usable; typing again works too
        await reply(
            update,
            context,
            f"report.deadline_{problem}",
            days=context.services.policy.max_onsite_days,
        )
        return None
    _draft(context)["deadline"] = deadline.isoformat()
    return await _show_summary(update, context)


async def _show_summary(update: Update, context: AppContext) -> int:
    """Shows everything entered with Confirm / Edit / Cancel."""
    draft = _draft(context)
    draft.pop("editing", None)
    language = await language_of(update, context)
    texts = context.services.texts
    product_label = texts.get(language, "report.no_product")
    if draft.get("product_id"):
        product = await products.get_product_by_id(
            context.session, product_id=int(draft["product_id"])
        )
        if product is not None:
            product_label = f"{product.model} · {product.serial}"
    address = draft.get("address") or texts.get(language, "report.location_only")
    rows = [
        [
            (texts.get(language, "report.btn_confirm"), "rf:ok"),
            (texts.get(language, "report.btn_edit"), "rf:edit"),
            (texts.get(language, "report.btn_cancel"), "rf:x"),
        ]
    ]
    await reply(
        update,
        context,
        "report.summary",
        inline(rows),
        kind=texts.get(language, f"kind.{draft['kind']}"),
        product=product_label,
        description=draft.get("description", ""),
        photos=len(draft.get("photos", [])),
        address=address,
        deadline=datetime.fromisoformat(draft["deadline"]),
    )
    return State.CONFIRM


async def edit(update: Update, context: AppContext) -> int | None:
    """Asks which part to change."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    language = await language_of(update, context)
    texts = context.services.texts
    rows = [
        [(texts.get(language, "report.btn_edit_description"), "rf:e:desc")],
        [(texts.get(language, "report.btn_edit_address"), "rf:e:addr")],
        [(texts.get(language, "report.btn_edit_deadline"), "rf:e:dl")],
    ]
    await edit_or_reply(update, context, "report.edit_what", inline(rows))
    return None


async def edit_part(update: Update, context: AppContext) -> int | None:
    """Goes back to one step; the summary follows it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    await drop_buttons(query)
    part = query.data.split(":")[2]
    draft = _draft(context)
    if part == "desc":
        draft["editing"] = True
        return await _ask_description(update, context)
    if part == "addr":
        draft["editing"] = True
        return await _ask_address(update, context)
    if part == "dl":
        return await _ask_deadline(update, context)
    return None


async def confirm(update: Update, context: AppContext) -> int | None:
    """Registers the case and tells the customer its number and the service promises."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    draft = _draft(context)
    now = context.services.clock.now()
    deadline = datetime.fromisoformat(draft["deadline"])
    problem = _deadlines(context).check(deadline, now)
    if problem is not None:  # the summary waited too long; the deadline passed meanwhile
        await reply(
            update,
            context,
            f"report.deadline_{problem}",
            days=context.services.policy.max_onsite_days,
        )
        return await _ask_deadline(update, context)
    case = await intake.open_case(
        context.session,
        customer=customer,
        draft=CaseDraft(
            kind=CaseKind(draft["kind"]),
            description=draft["description"],
            product_id=draft.get("product_id"),
            address=draft.get("address"),
            latitude=draft.get("latitude"),
            longitude=draft.get("longitude"),
            onsite_due_at=deadline,
            photos=[(file_id, unique) for file_id, unique in draft.get("photos", [])],
        ),
        now=now,
        policy=context.services.policy,
        desk=desk_route(context),
    )
    assert context.user_data is not None
    context.user_data.pop("draft", None)
    await drop_buttons(query)
    await reply(
        update,
        context,
        "report.confirmed",
        number=case.number,
        warranty={"$t": f"warranty.{case.warranty}"},
        response_due=case.response_due_at,
        onsite_due=case.onsite_due_at,
    )
    if case.is_repeat and case.parent_id is not None:
        parent = await case_rows.get_case(context.session, case_id=case.parent_id)
        await reply(update, context, "report.repeat_note", parent=parent.number if parent else "")
    return END


async def abandon(update: Update, context: AppContext) -> int:
    """Cancels the report from the summary's button."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    return await cancel_command(update, context)


def build() -> ConversationHandler[AppContext]:
    """The fault report conversation."""
    typed = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[
            CommandHandler(["report", "install"], start_report, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(start_for_product, pattern=r"^rf:start:\d+$"),
        ],
        states={
            State.PRODUCT: [CallbackQueryHandler(choose_product, pattern=r"^rf:p:")],
            State.SERIAL: [MessageHandler(typed, take_serial)],
            State.MODEL: [MessageHandler(typed, take_model)],
            State.PURCHASE: [
                MessageHandler(typed, take_purchase_date),
                CallbackQueryHandler(skip_purchase_date, pattern=r"^rf:skip$"),
            ],
            State.DESCRIBE: [
                MessageHandler(typed, take_description),
                MessageHandler(filters.PHOTO, take_photo),
                CallbackQueryHandler(continue_to_address, pattern=r"^rf:cont$"),
            ],
            State.ADDRESS: [
                MessageHandler(typed, take_address),
                MessageHandler(filters.LOCATION, take_location),
            ],
            State.ADDRESS_DETAIL: [
                MessageHandler(typed, take_address_detail),
                CallbackQueryHandler(skip_address_detail, pattern=r"^rf:skip$"),
            ],
            State.DEADLINE: [
                CallbackQueryHandler(choose_quick_deadline, pattern=r"^rf:d:"),
                CallbackQueryHandler(choose_day, pattern=r"^rf:day:"),
                CallbackQueryHandler(choose_hour, pattern=r"^rf:h:"),
                MessageHandler(typed, type_deadline),
            ],
            State.CONFIRM: [
                CallbackQueryHandler(confirm, pattern=r"^rf:ok$"),
                CallbackQueryHandler(edit, pattern=r"^rf:edit$"),
                CallbackQueryHandler(edit_part, pattern=r"^rf:e:"),
                CallbackQueryHandler(abandon, pattern=r"^rf:x$"),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_command), unsupported_input()],
        name="report_fault",
    )
