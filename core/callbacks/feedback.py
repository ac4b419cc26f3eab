"""The customer's answers to the technician (quote, report), surveys and complaints."""

from __future__ import annotations

from dataclasses import dataclass

from core.callbacks.codec import Callback

# --- customer: answers to the technician -----------------------------------------------------


@dataclass(frozen=True)
class QuoteButton(Callback):
    """The customer's answer to a quote."""

    quote_id: int


@dataclass(frozen=True)
class ApproveQuote(QuoteButton):
    """Approve the quote."""

    prefix = "qt:ok"


@dataclass(frozen=True)
class DeclineQuote(QuoteButton):
    """Decline the quote."""

    prefix = "qt:no"


@dataclass(frozen=True)
class ConfirmReport(Callback):
    """Confirm the service report (the case closes)."""

    prefix = "cf:ok"
    report_id: int


@dataclass(frozen=True)
class DisputeReport(Callback):
    """Dispute the service report (a reason follows)."""

    prefix = "cf:no"
    report_id: int


# --- feedback: surveys and complaints --------------------------------------------------------


@dataclass(frozen=True)
class SurveyAnswer(Callback):
    """An answer to a survey question: the question's short code and the value (or `skip`)."""

    prefix = "sv"
    survey_id: int
    code: str
    value: str


@dataclass(frozen=True)
class ComplaintAbout(Callback):
    """What a new complaint is about."""


@dataclass(frozen=True)
class ComplaintAboutCase(ComplaintAbout):
    """The complaint is about this case."""

    prefix = "cpl:c"
    case_id: int


@dataclass(frozen=True)
class GeneralComplaint(ComplaintAbout):
    """The complaint is about no case in particular."""

    prefix = "cpl:g"


@dataclass(frozen=True)
class HandlingVerdict(Callback):
    """The customer's yes/no on how their complaint was handled."""

    prefix = "cph"
    complaint_id: int
    satisfied: bool


@dataclass(frozen=True)
class TakeComplaint(Callback):
    """A supervisor takes ownership of a complaint."""

    prefix = "cpo"
    complaint_id: int


@dataclass(frozen=True)
class CloseComplaint(Callback):
    """The owner closes a complaint."""

    prefix = "cpc"
    complaint_id: int


@dataclass(frozen=True)
class ComplaintCause(Callback):
    """The root cause of a complaint being closed."""

    prefix = "cpr"
    cause: str
