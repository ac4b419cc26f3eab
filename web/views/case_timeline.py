"""The case page's timeline: every event as a label, who did it and what they wrote, in the
viewer's language (the notes services store for the record are English or data: shown only when
a person typed them, otherwise turned into catalog text or left out)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Actor
from services.desk_actions import DEADLINE_EVENT, WARRANTY_EVENT
from storage.models import CaseEvent
from storage.repos import timeline as names
from web import words

Translate = Callable[..., str]

# Actions whose note is what a person typed (a reason, a note, a message).
TYPED_NOTES = frozenset({"note", "message", "decline", "unassign", "cancel", "reopen", "close"})
# Fixed notes some services write for the record, and their catalog text.
FIXED_NOTES = {
    "confirmed by the customer": "caseact.why.confirmed",
    "signed by the customer on site": "caseact.why.signed",
    "no answer from the customer": "caseact.why.autoclosed",
    "late visit": "caseact.why.late_visit",
    "survey: not solved": "caseact.why.survey_not_solved",
    "satisfied": "caseact.why.handling_satisfied",
    "not satisfied": "caseact.why.handling_not_satisfied",
    "handling: not satisfied": "caseact.why.handling_not_satisfied",
    "no longer on staff": "caseact.why.no_longer_on_staff",
}
_ASSIGNED = re.compile(r"^to (?P<name>.+?) \(#\d+\)(?:: (?P<reason>.*))?$", re.S)
_DISPUTED = "disputed: "


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
    """What the event's note says, in the viewer's language, or nothing."""
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
    if note in FIXED_NOTES:
        return t(FIXED_NOTES[note])
    if note.startswith(_DISPUTED):
        return t("caseact.why.disputed", text=note.removeprefix(_DISPUTED))
    if event.action in ("assign", "reassign"):
        found = _ASSIGNED.match(note)
        if found is None:
            return ""
        line = t("caseact.event.to_technician", name=found["name"])
        return f"{line} · {found['reason']}" if found["reason"] else line
    if event.action in TYPED_NOTES:
        return note
    # What the services record in English (how the request came in, the root cause, the
    # quote's total, how far from the site the technician checked in), in words.
    return words.known(t, has, note) or ""


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
