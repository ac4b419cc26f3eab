"""The customer's products: the list, and adding one by serial (known or not)."""

from __future__ import annotations

import logging
from datetime import date
from enum import IntEnum
from typing import TypedDict, cast

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import paging
from bot.access import registered_customer
from bot.common import language_of, mark_chosen, reply, retire_prompts, text
from bot.context import AppContext
from bot.dialogs.shared import cancel_command, clean_or_complain, conversation, unsupported_input
from bot.keyboards import Row, inline
from bot.product_entry import claim_serial, typed_purchase_date, warranty_of
from core.callbacks import AddProduct, ReportForProduct, SkipPurchaseDate
from storage.repos import products

logger = logging.getLogger(__name__)


DRAFT = "product_draft"


class ProductDraft(TypedDict, total=False):
    """An unknown product being registered; JSON-safe, it is persisted."""

    serial: str
    model: str


class State(IntEnum):
    """Steps of adding a product."""

    SERIAL = 1
    MODEL = 2
    PURCHASE = 3


END = ConversationHandler.END


async def list_products(update: Update, context: AppContext) -> int:
    """Shows the customer's products with warranty and an Add button."""
    await products_page(update, context, 0)
    return END


@paging.paged("prod")
async def products_page(update: Update, context: AppContext, page: int) -> None:
    """One page of the customer's products, each with a button to report a fault on it."""
    customer = await registered_customer(update, context)
    if customer is None:
        return
    language = await language_of(update, context)
    texts = context.services.texts
    owned = await products.products_of(context.session, customer_id=customer.id)
    add: list[Row] = [[(texts.get(language, "products.btn_add"), AddProduct())]]
    if not owned:
        await reply(update, context, "products.none", inline(add))
        return
    entries = [
        paging.Entry(
            texts.get(
                language,
                "products.line",
                serial=p.serial,
                model=p.model,
                warranty=texts.get(language, f"warranty.{warranty_of(context, p)}"),
                until=texts.get(language, "products.until", date=p.warranty_end.isoformat())
                if p.warranty_end
                else "",
            ),
            [[(f"🛠 {p.model} · {p.serial}", ReportForProduct(p.id))]],
        )
        for p in owned
    ]
    listing = paging.Listing("products.list", entries, extra_rows=add)
    await paging.show(update, context, kind="prod", page=page, listing=listing)


async def ask_serial(update: Update, context: AppContext) -> int:
    """Asks for the serial number."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    if await registered_customer(update, context) is None:
        return END
    await reply(update, context, "products.ask_serial")
    return State.SERIAL


async def take_serial(update: Update, context: AppContext) -> int | None:
    """Registers a known serial, or asks about an unknown one."""
    assert update.message is not None and context.user_data is not None
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    found = await claim_serial(update, context, customer, update.message.text or "")
    if found is None:
        return None
    if isinstance(found, str):
        context.user_data[DRAFT] = ProductDraft(serial=found)
        await reply(update, context, "products.unknown_ask_model", serial=found)
        return State.MODEL
    if found.customer_id == customer.id and found.updated_at != context.services.clock.now():
        await reply(update, context, "products.already_yours", serial=found.serial)
    return END


async def take_model(update: Update, context: AppContext) -> int | None:
    """Stores the model and asks for the purchase date."""
    assert update.message is not None and context.user_data is not None
    model = await clean_or_complain(update, context, update.message.text, limit=100)
    if model is None:
        return None
    cast(ProductDraft, context.user_data.setdefault(DRAFT, {}))["model"] = model
    skip = await text(update, context, "common.btn.skip")
    await reply(
        update, context, "products.ask_purchase_date", inline([[(skip, SkipPurchaseDate())]])
    )
    return State.PURCHASE


async def take_purchase_date(update: Update, context: AppContext) -> int | None:
    """Reads the purchase date and saves the product."""
    bought = await typed_purchase_date(update, context)
    if bought is None:
        return None
    await retire_prompts(update, context, SkipPurchaseDate)
    return await _save(update, context, bought)


async def skip_purchase_date(update: Update, context: AppContext) -> int:
    """Saves the product without a purchase date."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await mark_chosen(update, context)
    return await _save(update, context, None)


async def _save(update: Update, context: AppContext, bought: date | None) -> int:
    """Records an unknown product for the customer; warranty to be verified."""
    assert context.user_data is not None
    customer = await registered_customer(update, context)
    draft = cast(ProductDraft | None, context.user_data.pop(DRAFT, None))
    if customer is None or not draft or "serial" not in draft or "model" not in draft:
        return END
    product = await products.add_unverified_product(
        context.session,
        serial=draft["serial"],
        model=draft["model"],
        purchase_date=bought,
        customer_id=customer.id,
        now=context.services.clock.now(),
    )
    label = await text(update, context, "products.deeplink_report")
    await reply(
        update,
        context,
        "products.added_unverified",
        inline([[(label, ReportForProduct(product.id))]]),
        serial=product.serial,
        model=product.model,
    )
    return END


async def register_deeplink_product(update: Update, context: AppContext, raw: str) -> None:
    """Handles /start p-<serial>: registers the product and offers to report a fault for it."""
    customer = await registered_customer(update, context)
    if customer is None:
        return
    found = await claim_serial(update, context, customer, raw)
    if found is None:
        return
    if isinstance(found, str):
        await reply(update, context, "products.unknown_deeplink", serial=found)
        return
    label = await text(update, context, "products.deeplink_report")
    await reply(
        update,
        context,
        "products.ready",
        inline([[(label, ReportForProduct(found.id))]]),
        serial=found.serial,
        model=found.model,
    )


def build() -> ConversationHandler[AppContext]:
    """The add-a-product conversation (entered from the product list)."""
    typed = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CallbackQueryHandler(ask_serial, pattern=AddProduct.pattern())],
        states={
            State.SERIAL: [MessageHandler(typed, take_serial)],
            State.MODEL: [MessageHandler(typed, take_model)],
            State.PURCHASE: [
                MessageHandler(typed, take_purchase_date),
                CallbackQueryHandler(skip_purchase_date, pattern=SkipPurchaseDate.pattern()),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_command), unsupported_input()],
        name="products",
    )
