"""Steps shared by every place a customer names a product by serial."""

from __future__ import annotations

import re
from datetime import date

from telegram import Update

from bot.common import reply
from bot.context import AppContext
from domain.validation import InputError, normalize_serial
from domain.warranty import warranty_status
from storage.models import Customer, Product
from storage.repos import products

DATE_RE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*$")


def parse_past_date(raw: str, today: date) -> date:
    """Reads a purchase or installation date, which cannot lie in the future."""
    match = DATE_RE.match(raw)
    if match is None:
        raise InputError("date")
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise InputError("date") from exc
    if day > today:
        raise InputError("date_future")
    return day


async def typed_purchase_date(update: Update, context: AppContext) -> date | None:
    """The purchase date the user typed, or None after telling them what is wrong with it."""
    assert update.message is not None
    today = context.services.clock.now().astimezone(context.services.policy.tz).date()
    try:
        return parse_past_date(update.message.text or "", today)
    except InputError as exc:
        await reply(update, context, f"common.input.{exc.reason}")
        return None


async def claim_serial(
    update: Update, context: AppContext, customer: Customer, raw: str
) -> Product | str | None:
    """Registers a known serial to the customer and returns it; "unknown" or None (told why)."""
    try:
        serial = normalize_serial(raw)
    except InputError:
        await reply(update, context, "common.input.serial")
        return None
    product = await products.get_product(context.session, serial=serial)
    if product is None:
        return serial
    if product.customer_id is not None and product.customer_id != customer.id:
        await reply(update, context, "products.taken", serial=serial)
        return None
    if product.customer_id is None:
        await products.register_product(
            context.session,
            product=product,
            customer_id=customer.id,
            now=context.services.clock.now(),
        )
        await reply(
            update,
            context,
            "products.registered",
            serial=product.serial,
            model=product.model,
            warranty={"$t": f"warranty.{warranty_of(context, product)}"},
        )
    return product


def warranty_of(context: AppContext, product: Product) -> str:
    """The product's warranty status today."""
    today = context.services.clock.now().astimezone(context.services.policy.tz).date()
    return warranty_status(product.warranty_end, today, verified=product.verified).value
