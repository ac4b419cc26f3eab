"""Fault report, first steps: which product (one of the customer's, or a serial typed in)."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.access import registered_customer
from bot.common import mark_chosen, reply, retire_prompts, text
from bot.context import AppContext
from bot.dialogs.fault_steps.common import END, State, fault_draft, new_draft
from bot.dialogs.fault_steps.description import ask_description
from bot.dialogs.shared import clean_or_complain
from bot.keyboards import Row, inline
from bot.product_entry import claim_serial, typed_purchase_date
from core.callbacks import (
    FaultProduct,
    FaultSkip,
    OtherProduct,
    ProductChoice,
    ReportForProduct,
    parse_as,
)
from domain.lifecycle import CaseKind
from storage.models import Customer
from storage.repos import products


async def start_report(update: Update, context: AppContext) -> int | None:
    """Starts a fault report (or an installation request with /install)."""
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    kind = CaseKind.INSTALLATION if _command(update) == "install" else CaseKind.FAULT
    new_draft(context, {"kind": kind.value, "photos": []})
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
    assert query is not None
    await query.answer()
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    button = parse_as(query.data, ReportForProduct)
    product = await _own_product(context, customer, button.product_id) if button else None
    if product is None:  # the query is answered already: the stale notice comes as a message
        await reply(update, context, "common.stale_button")
        return END
    new_draft(context, {"kind": CaseKind.FAULT.value, "photos": [], "product_id": product})
    return await ask_description(update, context)


async def _own_product(context: AppContext, customer: Customer, product_id: int) -> int | None:
    """The product id if the product is registered to this customer."""
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
    rows: list[Row] = [[(f"{p.model} · {p.serial}", FaultProduct(p.id))] for p in owned[:8]]
    rows.append([(await text(update, context, "report.btn_other_product"), OtherProduct())])
    await reply(update, context, "report.choose_product", inline(rows))
    return State.PRODUCT


async def choose_product(update: Update, context: AppContext) -> int | None:
    """Takes the chosen product (only one of the customer's own)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    button = parse_as(query.data, ProductChoice)
    if isinstance(button, OtherProduct):
        await mark_chosen(update, context)
        await reply(update, context, "products.ask_serial")
        return State.SERIAL
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    product_id = (
        await _own_product(context, customer, button.product_id)
        if isinstance(button, FaultProduct)
        else None
    )
    if product_id is None:  # the query is answered already: a second answer would fail
        await reply(update, context, "common.stale_button")
        return None
    fault_draft(context)["product_id"] = product_id
    await mark_chosen(update, context)
    return await ask_description(update, context)


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
        fault_draft(context)["serial"] = found
        await reply(update, context, "products.unknown_ask_model", serial=found)
        return State.MODEL
    fault_draft(context)["product_id"] = found.id
    return await ask_description(update, context)


async def take_model(update: Update, context: AppContext) -> int | None:
    """Stores the model of an unknown product and asks for its purchase date."""
    assert update.message is not None
    model = await clean_or_complain(update, context, update.message.text, limit=100)
    if model is None:
        return None
    fault_draft(context)["model"] = model
    skip = await text(update, context, "common.btn.skip")
    await reply(update, context, "products.ask_purchase_date", inline([[(skip, FaultSkip())]]))
    return State.PURCHASE


async def take_purchase_date(update: Update, context: AppContext) -> int | None:
    """Reads the purchase date and records the unverified product."""
    bought = await typed_purchase_date(update, context)
    if bought is None:
        return None
    await retire_prompts(update, context, FaultSkip)
    return await _add_unverified(update, context, bought)


async def skip_purchase_date(update: Update, context: AppContext) -> int | None:
    """Records the unverified product without a purchase date."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await mark_chosen(update, context)
    return await _add_unverified(update, context, None)


async def _add_unverified(update: Update, context: AppContext, bought: date | None) -> int:
    """Registers an unknown serial to the customer, warranty to be verified."""
    customer = await registered_customer(update, context)
    if customer is None:
        return END
    draft = fault_draft(context)
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
    return await ask_description(update, context)
