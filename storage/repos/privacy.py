"""Everything stored about one person, read for an export or erased on request (plain queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.event_data import PERSONAL_KEYS, PERSONAL_NOTE_ACTIONS
from storage.models import (
    Case,
    CaseEvent,
    CaseMessage,
    CasePhoto,
    InboxUpdate,
    OutboxMessage,
    PersistedState,
    Product,
    Quote,
    ServiceReport,
    Survey,
    SurveyAnswer,
)

# What an erased message or update keeps of its payload.
ERASED_PAYLOAD: dict[str, Any] = {"erased": True}


@dataclass(frozen=True)
class CaseRecords:
    """A case's own rows: its photos, timeline, quotes, service reports and conversation."""

    photos: list[CasePhoto]
    events: list[CaseEvent]
    quotes: list[Quote]
    service_reports: list[ServiceReport]
    messages: list[CaseMessage]


def _chat_keys(telegram_id: int) -> list[str]:
    """The inbox ordering keys of a person's private chat and of their own actions."""
    return [f"c{telegram_id}", f"u{telegram_id}"]


def _state_filter(telegram_id: int) -> ColumnElement[bool]:
    """Persisted dialog rows of a person: their user and chat data and conversations."""
    own = str(telegram_id)
    return or_(
        PersistedState.key == own,
        PersistedState.key.like(f"[{own},%"),
        PersistedState.key.like(f"%, {own}]"),
        PersistedState.key == f"[{own}]",
    )


async def _rows(session: AsyncSession, model: type[Any], where: Any) -> list[Any]:
    """The rows of a table matching a condition, in id order."""
    return list(await session.scalars(select(model).where(where).order_by(model.id)))


async def cases_of(session: AsyncSession, *, customer_id: int) -> list[Case]:
    """Every case of a customer, in id order."""
    rows: list[Case] = await _rows(session, Case, Case.customer_id == customer_id)
    return rows


async def case_records(session: AsyncSession, *, case_id: int) -> CaseRecords:
    """A case's photos, events, quotes and service reports."""
    return CaseRecords(
        photos=await _rows(session, CasePhoto, CasePhoto.case_id == case_id),
        events=await _rows(session, CaseEvent, CaseEvent.case_id == case_id),
        quotes=await _rows(session, Quote, Quote.case_id == case_id),
        service_reports=await _rows(session, ServiceReport, ServiceReport.case_id == case_id),
        messages=await _rows(session, CaseMessage, CaseMessage.case_id == case_id),
    )


async def surveys_of(
    session: AsyncSession, *, customer_id: int
) -> list[tuple[Survey, list[SurveyAnswer]]]:
    """A customer's surveys with their answers, in id order."""
    surveys: list[Survey] = await _rows(session, Survey, Survey.customer_id == customer_id)
    return [
        (survey, await _rows(session, SurveyAnswer, SurveyAnswer.survey_id == survey.id))
        for survey in surveys
    ]


async def messages_about(
    session: AsyncSession, *, telegram_id: int, case_ids: list[int]
) -> list[OutboxMessage]:
    """Messages the bot sent (or will send) to the person or about their cases."""
    where = or_(OutboxMessage.chat_id == telegram_id, OutboxMessage.case_id.in_(case_ids))
    rows: list[OutboxMessage] = await _rows(session, OutboxMessage, where)
    return rows


async def updates_of(session: AsyncSession, *, telegram_id: int) -> list[InboxUpdate]:
    """The updates received in the person's private chat or from their own actions."""
    where = InboxUpdate.chat_key.in_(_chat_keys(telegram_id))
    rows: list[InboxUpdate] = await _rows(session, InboxUpdate, where)
    return rows


async def dialog_rows(session: AsyncSession, *, telegram_id: int) -> list[PersistedState]:
    """The person's persisted dialog state."""
    rows: list[PersistedState] = await _rows(session, PersistedState, _state_filter(telegram_id))
    return rows


async def erase_case_details(
    session: AsyncSession, *, customer_id: int, case_ids: list[int]
) -> int:
    """Blanks what describes the person in their products, cases and answers; drops the photos
    and what they wrote in the cases' conversations.

    Returns how many photos were dropped. Statuses, timestamps, costs and scores stay.
    """
    await session.execute(
        update(Product)
        .where(Product.customer_id == customer_id)
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
        await _erase_event_places(session, case_ids=case_ids)
        await session.execute(
            update(ServiceReport)
            .where(ServiceReport.case_id.in_(case_ids))
            .values(dispute_text=None)
        )
        deleted = await session.execute(delete(CasePhoto).where(CasePhoto.case_id.in_(case_ids)))
        photos = int(deleted.rowcount)  # type: ignore[attr-defined]
        # What the customer wrote in the cases' conversations (texts, photos, voice notes).
        await session.execute(
            delete(CaseMessage).where(
                CaseMessage.case_id.in_(case_ids), CaseMessage.author == "customer"
            )
        )
    survey_ids = select(Survey.id).where(Survey.customer_id == customer_id).scalar_subquery()
    await session.execute(
        update(SurveyAnswer).where(SurveyAnswer.survey_id.in_(survey_ids)).values(value_text=None)
    )
    return photos


async def _erase_event_places(session: AsyncSession, *, case_ids: list[int]) -> None:
    """Drops where the person's site is from the cases' events (a check-in's coordinates);
    what is not personal (the distance from the site, the report's id) stays."""
    await session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.action.in_(PERSONAL_NOTE_ACTIONS))
        .values(note=None)
    )
    events = await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id.in_(case_ids), CaseEvent.data.is_not(None))
    )
    for event in events:
        data = event.data or {}
        if PERSONAL_KEYS & data.keys():
            event.data = {k: v for k, v in data.items() if k not in PERSONAL_KEYS}


async def erase_messages(session: AsyncSession, *, telegram_id: int, case_ids: list[int]) -> int:
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


async def erase_updates(session: AsyncSession, *, telegram_id: int) -> int:
    """Blanks the processed updates of the person's chat; returns how many."""
    scrubbed = await session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.chat_key.in_(_chat_keys(telegram_id)),
            InboxUpdate.processed_at.is_not(None),
        )
        .values(payload=ERASED_PAYLOAD, error=None, replies=None)
    )
    return int(scrubbed.rowcount)  # type: ignore[attr-defined]


async def erase_dialogs(session: AsyncSession, *, telegram_id: int) -> int:
    """Drops the person's persisted dialog state; returns how many keys."""
    dialogs = await session.execute(delete(PersistedState).where(_state_filter(telegram_id)))
    return int(dialogs.rowcount)  # type: ignore[attr-defined]
