"""The case page's timeline: every event as a label, who did it and what they wrote, in the
viewer's language. An event's facts are data (`CaseEvent.data`, worded by `web.event_words`);
its note is what a person typed. Rows written before events carried data are read from their
note as before."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Actor
from services.desk_actions import DEADLINE_EVENT, WARRANTY_EVENT
from storage.models import CaseEvent
from storage.repos import timeline as names
from web import event_words, words

Translate = Callable[..., str]

# Rows written before events carried data: actions whose note is what a person typed.
TYPED_NOTES = frozenset({"note", "message", "decline", "unassign", "cancel", "reopen", "close"})


@dataclass(frozen=True)
class Entry:
    """One timeline line as the page shows it."""

    event: CaseEvent
    label: str
    who: str
    detail: str


def _who(
    event: CaseEvent, staff: dict[int, str], customers: dict[int, str | None], t: Translate
) -> str:
    """The name of whoever did it, or their role when the name is not known."""
    if event.actor == Actor.SYSTEM or event.actor_id is None:
        return t(f"caseact.actor.{event.actor}")
    if event.actor == Actor.CUSTOMER:
        return customers.get(event.actor_id) or t("caseact.actor.customer")
    return staff.get(event.actor_id) or t(f"caseact.actor.{event.actor}")


def _detail(
    event: CaseEvent,
    t: Translate,
    has: Callable[[str], bool],
    when: Callable[[datetime | None], str],
) -> str:
    """What the event records, in the viewer's language, and what a person typed, or nothing."""
    if event.data is not None:
        return event_words.detail(t, has, event.action, event.data, event.note)
    return _before_data(event, t, has, when)


def _before_data(
    event: CaseEvent,
    t: Translate,
    has: Callable[[str], bool],
    when: Callable[[datetime | None], str],
) -> str:
    """A row written before events carried data: its note, read as the services wrote it."""
    note = event.note
    if not note:
        return ""
    if event.action == "close" and has(f"complaint.cause.{note}"):
        return t(f"complaint.cause.{note}")  # a complaint closed with its root cause
    if event.action == DEADLINE_EVENT:
        try:
            return t("caseact.event.new_deadline", time=when(datetime.fromisoformat(note)))
        except ValueError:
            return ""
    if event.action == WARRANTY_EVENT:
        code, _, end = note.partition(" ")
        try:
            day = date.fromisoformat(end).isoformat()
        except ValueError:
            return ""
        return t("caseact.event.warranty", warranty=t(f"warranty_staff.{code}"), end=day)
    # The services' English notes (fixed reasons, the technician assigned, how the request
    # came in, the root cause, the quote's total, where the technician checked in), in words.
    known = words.known(t, has, note)
    if known is not None:
        return known
    return note if event.action in TYPED_NOTES else ""


async def entries(
    session: AsyncSession,
    events: Sequence[CaseEvent],
    *,
    t: Translate,
    has: Callable[[str], bool],
    when: Callable[[datetime | None], str],
) -> list[Entry]:
    """The events as timeline lines, with the names of those who acted."""
    staff_ids = {e.actor_id for e in events if e.actor_id is not None and e.actor != "customer"}
    customer_ids = {e.actor_id for e in events if e.actor_id is not None and e.actor == "customer"}
    staff = await names.staff_names(session, telegram_ids=staff_ids)
    customers = await names.customer_names(session, telegram_ids=customer_ids)
    return [
        Entry(
            event=e,
            label=t(f"event.{e.action}") if has(f"event.{e.action}") else t("caseact.event.other"),
            who=_who(e, staff, customers, t),
            detail=_detail(e, t, has, when),
        )
        for e in events
    ]
