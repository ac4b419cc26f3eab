"""A case event's data (domain.event_data) in words, in the reader's language.

Each kind of event names its facts by key; nothing here reads English text. A value of the wrong
type (a hand-edited row) is left out rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from core.messages import money
from domain.event_data import Why
from services.desk_actions import DEADLINE_EVENT, WARRANTY_EVENT

Say = Callable[..., str]  # t(key, **args) in the reader's language
Has = Callable[[str], bool]
Data = Mapping[str, Any]

# The fixed reasons, by their catalog text.
WHY = {
    Why.CONFIRMED: "caseact.why.confirmed",
    Why.SIGNED: "caseact.why.signed",
    Why.AUTOCLOSED: "caseact.why.autoclosed",
    Why.LATE_VISIT: "caseact.why.late_visit",
    Why.SURVEY_NOT_SOLVED: "caseact.why.survey_not_solved",
    Why.HANDLING_SATISFIED: "caseact.why.handling_satisfied",
    Why.HANDLING_NOT_SATISFIED: "caseact.why.handling_not_satisfied",
    Why.DISPUTED: "words.reason.disputed",
    Why.NO_LONGER_ON_STAFF: "caseact.why.no_longer_on_staff",
    Why.TIMEOUT: "words.reason.timeout",
}


def _text(data: Data, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _number(data: Data, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _real(data: Data, key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _term(t: Say, has: Has, prefix: str, code: str) -> str:
    """A code's catalog term, or the code itself when the catalog has none."""
    return t(f"{prefix}.{code}") if has(f"{prefix}.{code}") else code


def _intake(t: Say, has: Has, data: Data) -> str:
    parts = []
    if channel := _text(data, "channel"):
        parts.append(t("words.note.via", channel=_term(t, has, "channel", channel)))
    if name := _text(data, "registered_by"):
        parts.append(t("words.note.registered_by", name=name))
    if (parent := _number(data, "repeat_of")) is not None:
        parts.append(t("words.note.repeat", id=parent))
    return t("words.separator").join(parts)


def _to_technician(t: Say, has: Has, data: Data) -> str:
    name = _text(data, "technician")
    return t("caseact.event.to_technician", name=name) if name else ""


def _arrival(t: Say, has: Has, data: Data) -> str:
    lat, lon, metres = _real(data, "latitude"), _real(data, "longitude"), _real(data, "distance_m")
    if lat is None or lon is None:
        return ""
    where = {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}
    if metres is None:
        return t("words.note.at", **where)
    return t("words.note.at_distance", **where, metres=f"{metres:.0f}")


def _report(t: Say, has: Has, data: Data) -> str:
    report, cause = _number(data, "report_id"), _text(data, "root_cause")
    if report is None or cause is None:
        return ""
    return t("words.note.report", id=report, cause=_term(t, has, "tech.cause", cause))


def _quote(t: Say, has: Has, data: Data) -> str:
    quote, total = _number(data, "quote_id"), _number(data, "total_cents")
    if quote is None:
        return ""
    if data.get("why") == Why.QUOTE_UNDECIDED:
        return t("eventdata.quote_undecided", id=quote)
    if total is not None:
        return t("words.note.total", total=money(total))
    return t("words.note.quote", id=quote)


def _complaint_closed(t: Say, has: Has, data: Data) -> str:
    cause = _text(data, "root_cause")
    return _term(t, has, "complaint.cause", cause) if cause else ""


def _deadline(t: Say, has: Has, data: Data) -> str:
    try:
        due = datetime.fromisoformat(_text(data, "onsite_due_at") or "")
    except ValueError:
        return ""
    return t("caseact.event.new_deadline", time=due)


def _warranty(t: Say, has: Has, data: Data) -> str:
    code = _text(data, "warranty")
    try:
        end = date.fromisoformat(_text(data, "warranty_end") or "")
    except ValueError:
        return ""
    if code is None:
        return ""
    return t("caseact.event.warranty", warranty=_term(t, has, "warranty_staff", code),
             end=end.isoformat())  # fmt: skip


def _because(t: Say, has: Has, data: Data) -> str:
    why = _text(data, "why")
    return t(WHY[Why(why)]) if why in WHY else ""


# By action: what the event's data says. Actions not named here show only their reason.
SAID: dict[str, Callable[[Say, Has, Data], str]] = {
    "create": _intake,
    "assign": _to_technician,
    "reassign": _to_technician,
    "check_in": _arrival,
    "report_fixed": _report,
    "report_not_fixed": _report,
    "quote": _quote,
    "approve_quote": _quote,
    "decline_quote": _quote,
    "flag": _quote,
    DEADLINE_EVENT: _deadline,
    WARRANTY_EVENT: _warranty,
}


def detail(t: Say, has: Has, action: str, data: Data, note: str | None) -> str:
    """What the event records, in words, followed by what a person typed (as typed)."""
    if data.get("why") == Why.DISPUTED and note:
        return t("caseact.why.disputed", text=note)
    if action == "close" and "root_cause" in data:
        said = _complaint_closed(t, has, data)
    else:
        said = SAID.get(action, _because)(t, has, data)
    return " · ".join(part for part in (said, note) if part)
