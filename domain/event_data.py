"""What a case event records besides its note: one small typed shape per kind of event.

Stored as JSON on the event (`CaseEvent.data`) and read by the timeline (in the reader's
language), the API and webhooks. The note keeps only what a person typed (a reason, a dispute,
an internal note); every fact the services know is here, so no reader parses English text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NotRequired, TypedDict


class Why(StrEnum):
    """A fixed reason the services record (the catalogs word it)."""

    CONFIRMED = "confirmed"  # the customer confirmed the report in chat
    SIGNED = "signed"  # the customer signed the report on site
    AUTOCLOSED = "autoclosed"  # no answer from the customer
    LATE_VISIT = "late_visit"  # the customer gave up waiting for a late visit
    SURVEY_NOT_SOLVED = "survey_not_solved"
    HANDLING_SATISFIED = "handling_satisfied"
    HANDLING_NOT_SATISFIED = "handling_not_satisfied"
    DISPUTED = "disputed"  # the customer disputed the report (their words are the note)
    NO_LONGER_ON_STAFF = "no_longer_on_staff"
    TIMEOUT = "timeout"  # the technician did not accept in time
    QUOTE_UNDECIDED = "quote_undecided"


# Keys of event data that describe the person (where their site is): forgetting a customer
# removes them from their cases' events, as it blanks the case's address and pin.
PERSONAL_KEYS = frozenset({"latitude", "longitude"})
# Actions whose rows written before event data hold such facts in their note.
PERSONAL_NOTE_ACTIONS = frozenset({"check_in"})


class Intake(TypedDict):
    """`create`: how the request came in (chat has no channel), who registered it, what it
    repeats."""

    channel: NotRequired[str]
    registered_by: NotRequired[str]
    repeat_of: NotRequired[int]


class ToTechnician(TypedDict):
    """`assign`, `reassign`, `accept`: the technician who has the job."""

    technician: str
    technician_id: int


class Arrival(TypedDict):
    """`check_in`: where the technician was, and how far from the site's pin."""

    latitude: float
    longitude: float
    distance_m: NotRequired[float]


class ReportFiled(TypedDict):
    """`report_fixed`, `report_not_fixed`: the service report and its root cause."""

    report_id: int
    root_cause: str


class Quoted(TypedDict):
    """`quote`, `approve_quote`, `decline_quote`, a quote's `flag`: which quote (and its total)."""

    quote_id: int
    total_cents: NotRequired[int]
    why: NotRequired[str]


class Because(TypedDict):
    """A move for a fixed reason (a `Why`)."""

    why: str


class ComplaintClosed(TypedDict):
    """A complaint's `close`: its root cause."""

    root_cause: str


class Owner(TypedDict):
    """`take_ownership`: the supervisor who owns the complaint."""

    owner: str


class Deadline(TypedDict):
    """A new on-site deadline (ISO moment, UTC)."""

    onsite_due_at: str


class WarrantyChecked(TypedDict):
    """The desk checked the warranty: in or out, and its end date (ISO day)."""

    warranty: str
    warranty_end: str


EventData = (
    Intake
    | ToTechnician
    | Arrival
    | ReportFiled
    | Quoted
    | Because
    | ComplaintClosed
    | Owner
    | Deadline
    | WarrantyChecked
)
