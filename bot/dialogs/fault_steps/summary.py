"""Fault report: the summary of everything entered, with Confirm / Edit / Cancel."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.common import language_of, reply
from bot.context import AppContext
from bot.dialogs.fault_steps.common import State, fault_draft
from bot.keyboards import inline
from core.callbacks import FaultAbandon, FaultConfirm, FaultEdit
from storage.repos import products


async def show_summary(update: Update, context: AppContext) -> int:
    """Shows everything entered with Confirm / Edit / Cancel."""
    draft = fault_draft(context)
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
            (texts.get(language, "report.btn_confirm"), FaultConfirm()),
            (texts.get(language, "report.btn_edit"), FaultEdit()),
            (texts.get(language, "report.btn_cancel"), FaultAbandon()),
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
