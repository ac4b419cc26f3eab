"""A case's conversation: storing its messages and reading the thread (plain queries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseMessage, CasePhoto
from storage.repos.rows import add as add_row


async def add_message(
    session: AsyncSession,
    *,
    case_id: int,
    author: str,
    now: datetime,
    text: str | None = None,
    staff_id: int | None = None,
    author_name: str | None = None,
    photo_file_id: str | None = None,
    voice_file_id: str | None = None,
) -> CaseMessage:
    """Stores one message of a case's thread (its id is set on return)."""
    return await add_row(
        session,
        CaseMessage(
            case_id=case_id,
            at=now,
            author=author,
            staff_id=staff_id,
            author_name=author_name,
            text=text,
            photo_file_id=photo_file_id,
            voice_file_id=voice_file_id,
        ),
    )


async def thread_of(session: AsyncSession, *, case_id: int) -> list[CaseMessage]:
    """A case's messages, oldest first."""
    rows = await session.scalars(
        select(CaseMessage)
        .where(CaseMessage.case_id == case_id)
        .order_by(CaseMessage.at, CaseMessage.id)
    )
    return list(rows)


async def get_message(session: AsyncSession, *, message_id: int) -> CaseMessage | None:
    """One message by id."""
    return await session.get(CaseMessage, message_id)


async def photo_count(session: AsyncSession, *, case_id: int) -> int:
    """How many photos a case has: those of the report and those sent in its conversation."""
    attached = await session.scalar(
        select(func.count()).select_from(CasePhoto).where(CasePhoto.case_id == case_id)
    )
    sent = await session.scalar(
        select(func.count())
        .select_from(CaseMessage)
        .where(CaseMessage.case_id == case_id, CaseMessage.photo_file_id.is_not(None))
    )
    return int(attached or 0) + int(sent or 0)
