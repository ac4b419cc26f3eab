"""The service report's commissioning-and-training checklist (installations) as toggles."""

from __future__ import annotations

from telegram import Update

from bot.common import edit_or_reply, language_of, reply
from bot.context import AppContext
from bot.dialogs.job_common import job_draft
from bot.keyboards import Row, inline
from core.callbacks import ReportCheck
from services.reports import CHECKLIST

DIALOG = "service_report"


async def show_checklist(update: Update, context: AppContext, *, new: bool) -> None:
    """The commissioning-and-training checklist as toggle buttons."""
    draft = job_draft(context, DIALOG)
    language = await language_of(update, context)
    texts = context.services.texts
    rows: list[Row] = [
        [
            (
                ("☑ " if draft["checklist"][item] else "☐ ")
                + texts.get(language, f"tech.check.{item}"),
                ReportCheck(item),
            )
        ]
        for item in CHECKLIST
    ]
    rows.append([(texts.get(language, "common.btn.done"), ReportCheck("done"))])
    if new:
        await reply(update, context, "tech.report_checklist", inline(rows))
    else:
        await edit_or_reply(update, context, "tech.report_checklist", inline(rows))
