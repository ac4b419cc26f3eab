"""Data protection: everything stored about a customer, and erasing it on request.

Forgetting keeps the cases, their statuses, timestamps, costs and scores (the department's
anonymous statistics) and erases what identifies or describes the person: name, phone,
company, addresses and coordinates, photos, the texts they wrote, their chat history in the
inbox and outbox, and their dialog state. The Telegram id is replaced, so the person is a
stranger to the bot afterwards (and may register again as a new customer).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from storage.models import (
    Case,
    CaseEvent,
    CasePhoto,
    Customer,
    InboxUpdate,
    OutboxMessage,
    PersistedState,
    Product,
    Quote,
    ServiceReport,
    Survey,
    SurveyAnswer,
)

logger = logging.getLogger(__name__)

ERASED_PAYLOAD: dict[str, Any] = {"erased": True}


@dataclass(frozen=True)
class Forgotten:
    """What erasing a customer touched."""

    customer_id: int
    cases: int
    photos: int
    messages: int
    updates: int
    dialog_keys: int


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_dict(row: DeclarativeBase) -> dict[str, Any]:
    """Every column of a row, JSON-safe."""
    return {column.key: _plain(getattr(row, column.key)) for column in row.__mapper__.column_attrs}


def _chat_keys(telegram_id: int) -> list[str]:
    """The inbox ordering keys of a person's private chat and of their own actions."""
    return [f"c{telegram_id}", f"u{telegram_id}"]


def _state_filter(telegram_id: int) -> Any:
    """Persisted dialog rows of a person: their user and chat data and conversations."""
    own = str(telegram_id)
    return or_(
        PersistedState.key == own,
        PersistedState.key.like(f"[{own},%"),
        PersistedState.key.like(f"%, {own}]"),
        PersistedState.key == f"[{own}]",
    )


async def export_customer(session: AsyncSession, *, telegram_id: int) -> dict[str, Any] | None:
    """Everything stored about the customer with this Telegram id, as JSON-safe data."""
    customer = await session.scalar(select(Customer).where(Customer.telegram_id == telegram_id))
    if customer is None:
        return None
    products = await session.scalars(
        select(Product).where(Product.customer_id == customer.id).order_by(Product.id)
    )
    cases = list(
        await session.scalars(
            select(Case).where(Case.customer_id == customer.id).order_by(Case.id)
        )
    )
    case_ids = [case.id for case in cases]
    exported_cases = []
    for case in cases:
        exported_cases.append(
            {
                **row_dict(case),
                "photos": await _rows(session, CasePhoto, CasePhoto.case_id == case.id),
                "events": await _rows(session, CaseEvent, CaseEvent.case_id == case.id),
                "quotes": await _rows(session, Quote, Quote.case_id == case.id),
                "service_reports": await _rows(
                    session, ServiceReport, ServiceReport.case_id == case.id
                ),
            }
        )
    surveys = []
    for survey in await session.scalars(
        select(Survey).where(Survey.customer_id == customer.id).order_by(Survey.id)
    ):
        answers = await _rows(session, SurveyAnswer, SurveyAnswer.survey_id == survey.id)
        surveys.append({**row_dict(survey), "answers": answers})
    messages = await _rows(
        session,
        OutboxMessage,
        or_(OutboxMessage.chat_id == telegram_id, OutboxMessage.case_id.in_(case_ids)),
    )
    updates = await _rows(session, InboxUpdate, InboxUpdate.chat_key.in_(_chat_keys(telegram_id)))
    dialogs = await _rows(session, PersistedState, _state_filter(telegram_id))
    return {
        "customer": row_dict(customer),
        "products": [row_dict(product) for product in products],
        "cases": exported_cases,
        "surveys": surveys,
        "messages_sent_by_the_bot": messages,
        "updates_received": updates,
        "dialog_state": dialogs,
    }


async def _rows(session: AsyncSession, model: type[Any], where: Any) -> list[dict[str, Any]]:
    """The rows of a table matching a condition, as dicts, in id order."""
    rows = await session.scalars(select(model).where(where).order_by(model.id))
    return [row_dict(row) for row in rows]


async def forget_customer(
    session: AsyncSession, *, telegram_id: int, now: datetime
) -> Forgotten | None:
    """Erases the customer's personal data, keeping anonymous case statistics."""
    customer = await session.scalar(select(Customer).where(Customer.telegram_id == telegram_id))
    if customer is None:
        return None
    case_ids = list(await session.scalars(select(Case.id).where(Case.customer_id == customer.id)))
    # A negative id is never a Telegram user, and it keeps the column unique.
    customer.telegram_id = -customer.id
    customer.name = None
    customer.phone = None
    customer.company = None
    customer.is_key = False
    customer.next_return_visit_at = None
    customer.forgotten_at = now
    await session.execute(
        update(Product)
        .where(Product.customer_id == customer.id)
        .values(owner_phone=None, owner_company=None)
    )
    photos = 0
    if case_ids:
        await session.execute(
            update(Case)
            .where(Case.id.in_(case_ids))
            .values(description="", address=None, latitude=None, longitude=None)
        )
        await session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id.in_(case_ids), CaseEvent.actor == "customer")
            .values(actor_id=None, note=None)
        )
        await session.execute(
            update(ServiceReport)
            .where(ServiceReport.case_id.in_(case_ids))
            .values(dispute_text=None)
        )
        deleted = await session.execute(delete(CasePhoto).where(CasePhoto.case_id.in_(case_ids)))
        photos = int(deleted.rowcount)  # type: ignore[attr-defined]
    survey_ids = select(Survey.id).where(Survey.customer_id == customer.id).scalar_subquery()
    await session.execute(
        update(SurveyAnswer).where(SurveyAnswer.survey_id.in_(survey_ids)).values(value_text=None)
    )
    messages = await _erase_messages(session, telegram_id=telegram_id, case_ids=case_ids)
    scrubbed = await session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.chat_key.in_(_chat_keys(telegram_id)),
            InboxUpdate.processed_at.is_not(None),
        )
        .values(payload=ERASED_PAYLOAD, error=None, replies=None)
    )
    dialogs = await session.execute(delete(PersistedState).where(_state_filter(telegram_id)))
    await session.flush()
    logger.info("customer #%s forgotten (%s cases kept anonymously)", customer.id, len(case_ids))
    return Forgotten(
        customer_id=customer.id,
        cases=len(case_ids),
        photos=photos,
        messages=messages,
        updates=int(scrubbed.rowcount),  # type: ignore[attr-defined]
        dialog_keys=int(dialogs.rowcount),  # type: ignore[attr-defined]
    )


async def _erase_messages(session: AsyncSession, *, telegram_id: int, case_ids: list[int]) -> int:
    """Drops unsent messages to the person and blanks the texts of every delivered one."""
    dropped = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.chat_id == telegram_id, OutboxMessage.status == "pending"
        )
    )
    about = [OutboxMessage.chat_id == telegram_id]
    if case_ids:
        about.append(OutboxMessage.case_id.in_(case_ids))
    # Pending notices to staff about the person's cases still go out: the desk needs them.
    blanked = await session.execute(
        update(OutboxMessage)
        .where(or_(*about), OutboxMessage.status != "pending")
        .values(payload=ERASED_PAYLOAD)
    )
    return int(dropped.rowcount) + int(blanked.rowcount)  # type: ignore[attr-defined]


def to_json(data: dict[str, Any]) -> str:
    """The export as readable JSON (Chinese kept as is)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
