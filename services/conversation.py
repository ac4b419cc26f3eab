"""A case's conversation: the customer writes, the desk and the technician hear of it and answer.

Every message joins the case's thread (`case_messages`), shown in order on the case page; what
the customer sends is passed on through the outbox with its photo or voice note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import WriteToCustomer
from core.messages import Button, Message, term
from domain.lifecycle import CaseStatus
from services import notify
from services.desk import DeskRoute, to_desk
from storage.models import Case, CaseMessage, Customer, Staff
from storage.repos import case_messages, people
from storage.repos import cases as case_rows

logger = logging.getLogger(__name__)

CUSTOMER = "customer"
TECHNICIAN = "technician"
DESK = "desk"


@dataclass(frozen=True)
class Incoming:
    """What the customer sent: a text, a photo (with its caption) or a voice note."""

    text: str | None = None
    photo_file_id: str | None = None
    voice_file_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form, for a message that waits for the customer's choice of case."""
        return {"text": self.text, "photo": self.photo_file_id, "voice": self.voice_file_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incoming:
        """Reads a waiting message back."""
        return cls(data.get("text"), data.get("photo"), data.get("voice"))


async def open_cases(session: AsyncSession, *, customer: Customer) -> list[Case]:
    """The customer's cases a message can be about (not closed, not cancelled), newest first."""
    return await case_rows.open_cases_of_customer(session, customer_id=customer.id)


def _notice(
    case: Case, customer: Customer, incoming: Incoming, hint: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The catalog key and arguments that pass a customer's message on to staff."""
    args: dict[str, Any] = {"number": case.number, "customer": customer.name or "-", "hint": hint}
    if incoming.photo_file_id is not None:
        args["caption"] = f"\n{incoming.text}" if incoming.text else ""
        return "conversation.customer_photo", args
    if incoming.voice_file_id is not None:
        return "conversation.customer_voice", args
    args["text"] = incoming.text or ""
    return "conversation.customer_text", args


def _passed_on(
    key: str,
    args: dict[str, Any],
    incoming: Incoming,
    buttons: tuple[tuple[Button, ...], ...] = (),
) -> Message:
    """The notice to staff, carrying the customer's photo or voice note along."""
    return Message(
        key,
        args,
        buttons,
        photo_file_id=incoming.photo_file_id,
        voice_file_id=incoming.voice_file_id,
    )


async def from_customer(
    session: AsyncSession,
    *,
    case: Case,
    customer: Customer,
    incoming: Incoming,
    now: datetime,
    route: DeskRoute | None,
    at: datetime | None = None,
) -> CaseMessage:
    """Adds the customer's message to the case and passes it on to the desk and the technician.

    `at` is when the customer sent it, if it waited for their choice of case.
    """
    message = await case_messages.add_message(
        session, case_id=case.id, author=CUSTOMER, author_name=customer.name,
        text=incoming.text, photo_file_id=incoming.photo_file_id,
        voice_file_id=incoming.voice_file_id, now=at or now,
    )  # fmt: skip
    key = f"conv:{message.id}"
    desk_key, desk_args = _notice(
        case, customer, incoming, term("conversation.hint_desk", number=case.number)
    )
    await to_desk(
        session,
        message=_passed_on(desk_key, desk_args, incoming),
        key=key,
        now=now,
        case=case,
        route=route,
    )
    technician = (
        await people.get_staff_by_id(session, staff_id=case.technician_id)
        if case.technician_id is not None
        else None
    )
    if technician is not None:
        tech_key, tech_args = _notice(case, customer, incoming, term("conversation.hint_tech"))
        # A job only offered (not yet accepted) has no one to write back yet.
        buttons = (
            ((Button("conversation.btn_write", WriteToCustomer(case.id).pack()),),)
            if case.status != CaseStatus.ASSIGNED
            else ()
        )
        await notify.to_staff(
            session,
            staff=technician,
            message=_passed_on(tech_key, tech_args, incoming, buttons),
            key=key,
            now=now,
            case=case,
        )
    logger.info("customer message %s added to case %s", message.id, case.number)
    return message


async def from_technician(
    session: AsyncSession, *, case: Case, technician: Staff, text: str, now: datetime
) -> CaseMessage:
    """Adds the technician's message to the case and sends it to the customer."""
    message = await case_messages.add_message(
        session, case_id=case.id, author=TECHNICIAN, staff_id=technician.id,
        author_name=technician.name, text=text, now=now,
    )  # fmt: skip
    await notify.to_customer(
        session,
        case=case,
        message=Message(
            "conversation.from_technician",
            {"number": case.number, "name": technician.name, "text": text},
        ),
        key=f"conv:{message.id}",
        now=now,
    )
    return message
