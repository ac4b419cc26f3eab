"""Reporting a fault (or requesting an installation): product, problem, site, deadline, confirm.

This module wires the conversation; the steps live in bot/dialogs/fault_steps/, by step group.
"""

from __future__ import annotations

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import AppContext
from bot.dialogs.fault_steps import address, confirm, deadline, description, product
from bot.dialogs.fault_steps.common import State
from bot.dialogs.shared import cancel_command, conversation, unsupported_input
from core.callbacks import (
    DeadlineDay,
    DeadlineHour,
    FaultAbandon,
    FaultConfirm,
    FaultContinue,
    FaultEdit,
    FaultEditPart,
    FaultSkip,
    ProductChoice,
    QuickDeadline,
    ReportForProduct,
)


def build() -> ConversationHandler[AppContext]:
    """The fault report conversation."""
    typed = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[
            CommandHandler(
                ["report", "install"], product.start_report, filters=filters.ChatType.PRIVATE
            ),
            CallbackQueryHandler(product.start_for_product, pattern=ReportForProduct.pattern()),
        ],
        states={
            State.PRODUCT: [
                CallbackQueryHandler(product.choose_product, pattern=ProductChoice.pattern())
            ],
            State.SERIAL: [MessageHandler(typed, product.take_serial)],
            State.MODEL: [MessageHandler(typed, product.take_model)],
            State.PURCHASE: [
                MessageHandler(typed, product.take_purchase_date),
                CallbackQueryHandler(product.skip_purchase_date, pattern=FaultSkip.pattern()),
            ],
            State.DESCRIBE: [
                MessageHandler(typed, description.take_description),
                MessageHandler(filters.PHOTO, description.take_photo),
                CallbackQueryHandler(
                    description.continue_to_address, pattern=FaultContinue.pattern()
                ),
            ],
            State.ADDRESS: [
                MessageHandler(typed, address.take_address),
                MessageHandler(filters.LOCATION, address.take_location),
            ],
            State.ADDRESS_DETAIL: [
                MessageHandler(typed, address.take_address_detail),
                CallbackQueryHandler(address.skip_address_detail, pattern=FaultSkip.pattern()),
            ],
            State.DEADLINE: [
                CallbackQueryHandler(
                    deadline.choose_quick_deadline, pattern=QuickDeadline.pattern()
                ),
                CallbackQueryHandler(deadline.choose_day, pattern=DeadlineDay.pattern()),
                CallbackQueryHandler(deadline.choose_hour, pattern=DeadlineHour.pattern()),
                MessageHandler(typed, deadline.type_deadline),
            ],
            State.CONFIRM: [
                CallbackQueryHandler(confirm.confirm, pattern=FaultConfirm.pattern()),
                CallbackQueryHandler(confirm.edit, pattern=FaultEdit.pattern()),
                CallbackQueryHandler(confirm.edit_part, pattern=FaultEditPart.pattern()),
                CallbackQueryHandler(confirm.abandon, pattern=FaultAbandon.pattern()),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel_command), unsupported_input()],
        name="report_fault",
    )
