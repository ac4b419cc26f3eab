"""The technician writes to the job's customer: their next text goes to the customer's chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import ConversationHandler

from bot.context import AppContext
from bot.dialogs import job_text
from core.callbacks import WriteToCustomer
from domain.lifecycle import CaseStatus
from services import conversation as case_conversation
from storage.models import Case, Staff

MESSAGE_LIMIT = 2000
DIALOG = "job_message"
# A job the technician has taken (not one merely offered to them).
WRITABLE = (CaseStatus.ACCEPTED, CaseStatus.QUOTE_PENDING, CaseStatus.ON_SITE)


async def _send(session: AsyncSession, case: Case, staff: Staff, text: str, now: datetime) -> None:
    """Sends the text to the customer and adds it to the case's conversation."""
    await case_conversation.from_technician(
        session, case=case, technician=staff, text=text, now=now
    )


def build() -> ConversationHandler[AppContext]:
    """The technician's message to the customer."""
    return job_text.build(
        job_text.JobText(
            name=DIALOG,
            pattern=WriteToCustomer.pattern(),
            statuses=WRITABLE,
            limit=MESSAGE_LIMIT,
            ask_key="conversation.ask_text",
            done_key="conversation.tech_sent",
            take=_send,
        )
    )
