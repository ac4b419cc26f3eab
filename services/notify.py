"""Notifications as outbox rows: to a customer, a staff member, a role, or the desk chat.

Each is written in the caller's transaction, so a notice exists exactly when its cause does.
The dedupe key makes a retried cause (a replayed update, a re-run sweep) write it only once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message
from storage.models import Case, Staff
from storage.repos import outbox, people


async def to_customer(
    session: AsyncSession, *, case: Case, message: Message, key: str, now: datetime
) -> bool:
    """Queues a message to the case's customer."""
    customer = await people.get_customer_by_id(session, customer_id=case.customer_id)
    if customer is None or customer.forgotten_at is not None or customer.telegram_id is None:
        return False  # forgotten, or known only from another channel (no chat to write to)
    return await outbox.enqueue(
        session,
        chat_id=customer.telegram_id,
        message=message,
        language=customer.language,
        dedupe_key=f"{key}:cust:{customer.telegram_id}",
        now=now,
        case_id=case.id,
    )


async def to_staff(
    session: AsyncSession,
    *,
    staff: Staff,
    message: Message,
    key: str,
    now: datetime,
    case: Case | None = None,
) -> bool:
    """Queues a message to one staff member."""
    return await outbox.enqueue(
        session,
        chat_id=staff.telegram_id,
        message=message,
        language=staff.language,
        dedupe_key=f"{key}:staff:{staff.telegram_id}",
        now=now,
        case_id=case.id if case else None,
    )


async def to_role(
    session: AsyncSession,
    *,
    role: str,
    message: Message,
    key: str,
    now: datetime,
    case: Case | None = None,
    group_chat_id: int | None = None,
    group_language: str = "zh_CN",
) -> int:
    """Queues a message to a configured group chat if any, else to every holder of the role."""
    if group_chat_id is not None:
        queued = await outbox.enqueue(
            session,
            chat_id=group_chat_id,
            message=message,
            language=group_language,
            dedupe_key=f"{key}:group:{group_chat_id}",
            now=now,
            case_id=case.id if case else None,
        )
        return int(queued)
    count = 0
    for member in await people.staff_with_role(session, role=role):
        count += await to_staff(
            session, staff=member, message=message, key=key, now=now, case=case
        )
    return count
