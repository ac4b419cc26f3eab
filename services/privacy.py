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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, Customer
from storage.repos import privacy as private_rows
from storage.repos import products

logger = logging.getLogger(__name__)


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


def row_dict(row: Base) -> dict[str, Any]:
    """Every column of a row, JSON-safe."""
    return {column.key: _plain(getattr(row, column.key)) for column in row.__mapper__.column_attrs}


def _dicts(rows: Sequence[Base]) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts, in the order given."""
    return [row_dict(row) for row in rows]


async def export_customer(session: AsyncSession, *, customer: Customer) -> dict[str, Any]:
    """Everything stored about the customer, as JSON-safe data."""
    owned = sorted(
        await products.products_of(session, customer_id=customer.id), key=lambda p: p.id
    )
    cases = await private_rows.cases_of(session, customer_id=customer.id)
    exported_cases = []
    for case in cases:
        records = await private_rows.case_records(session, case_id=case.id)
        exported_cases.append(
            {
                **row_dict(case),
                "photos": _dicts(records.photos),
                "events": _dicts(records.events),
                "quotes": _dicts(records.quotes),
                "service_reports": _dicts(records.service_reports),
                "conversation": _dicts(records.messages),
            }
        )
    surveys = [
        {**row_dict(survey), "answers": _dicts(answers)}
        for survey, answers in await private_rows.surveys_of(session, customer_id=customer.id)
    ]
    case_ids = [case.id for case in cases]
    telegram_id = customer.telegram_id
    messages: list[Any] = []
    updates: list[Any] = []
    dialogs: list[Any] = []
    if telegram_id is not None:  # a customer known only from another channel has no chat
        messages = await private_rows.messages_about(
            session, telegram_id=telegram_id, case_ids=case_ids
        )
        updates = await private_rows.updates_of(session, telegram_id=telegram_id)
        dialogs = await private_rows.dialog_rows(session, telegram_id=telegram_id)
    return {
        "customer": row_dict(customer),
        "products": _dicts(owned),
        "cases": exported_cases,
        "surveys": surveys,
        "messages_sent_by_the_bot": _dicts(messages),
        "updates_received": _dicts(updates),
        "dialog_state": _dicts(dialogs),
    }


async def forget_customer(
    session: AsyncSession, *, customer: Customer, now: datetime
) -> Forgotten:
    """Erases the customer's personal data, keeping anonymous case statistics."""
    telegram_id = customer.telegram_id
    case_ids = [case.id for case in await private_rows.cases_of(session, customer_id=customer.id)]
    # A negative id is never a Telegram user, and it keeps the column unique.
    customer.telegram_id = -customer.id
    customer.name = None
    customer.phone = None
    customer.company = None
    customer.address = None
    customer.notes = None
    customer.is_key = False
    customer.next_return_visit_at = None
    customer.forgotten_at = now
    photos = await private_rows.erase_case_details(
        session, customer_id=customer.id, case_ids=case_ids
    )
    messages = updates = dialogs = 0  # a customer known only from another channel has no chat
    if telegram_id is not None:
        messages = await private_rows.erase_messages(
            session, telegram_id=telegram_id, case_ids=case_ids
        )
        updates = await private_rows.erase_updates(session, telegram_id=telegram_id)
        dialogs = await private_rows.erase_dialogs(session, telegram_id=telegram_id)
    await session.flush()
    logger.info("customer #%s forgotten (%s cases kept anonymously)", customer.id, len(case_ids))
    return Forgotten(
        customer_id=customer.id,
        cases=len(case_ids),
        photos=photos,
        messages=messages,
        updates=updates,
        dialog_keys=dialogs,
    )


def to_json(data: dict[str, Any]) -> str:
    """The export as readable JSON (Chinese kept as is)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
