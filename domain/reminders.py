"""Which reminders a case state calls for, and which state changes make them moot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.policy import ServicePolicy


class ReminderKind(StrEnum):
    """Families of due things; a state change cancels whole families."""

    RESPONSE = "response"
    ACCEPT = "accept"
    ONSITE = "onsite"
    REPORT = "report"
    QUOTE = "quote"
    CONFIRM = "confirm"
    SURVEY = "survey"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder row to create: kind, stage, moment, and a round that keeps keys unique."""

    kind: ReminderKind
    stage: str
    due_at: datetime
    round: int = 0

    def key(self, case_id: int) -> str:
        """The row's unique key."""
        return f"case:{case_id}:{self.kind}:{self.stage}:{self.round}"


def round_of(key: str) -> int:
    """The round a reminder row's key was planned for (its last field; 0 if unreadable)."""
    tail = key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def response_clock(created_at: datetime, policy: ServicePolicy, rnd: int) -> list[PlannedReminder]:
    """Desk reminder at 75 % of the response window, escalation at breach (working time)."""
    reminder_at = policy.response_due(created_at, policy.response_reminder_ratio)
    return [
        PlannedReminder(ReminderKind.RESPONSE, "remind", reminder_at, rnd),
        PlannedReminder(ReminderKind.RESPONSE, "breach", policy.response_due(created_at), rnd),
    ]


def accept_window(assigned_at: datetime, policy: ServicePolicy, rnd: int) -> list[PlannedReminder]:
    """Reminder to the technician, then the case returns to the queue."""
    return [
        PlannedReminder(ReminderKind.ACCEPT, "remind", assigned_at + policy.accept_reminder, rnd),
        PlannedReminder(ReminderKind.ACCEPT, "timeout", assigned_at + policy.accept_timeout, rnd),
    ]


def onsite_round(onsite_due_at: datetime) -> int:
    """The on-site clock's round: the deadline in minutes, so planning the same deadline twice
    (intake, then acceptance) adds nothing and a new deadline gets fresh rows."""
    return int(onsite_due_at.timestamp()) // 60


def onsite_clock(
    onsite_due_at: datetime, now: datetime, policy: ServicePolicy
) -> list[PlannedReminder]:
    """Pings before the customer's deadline (those still ahead) and the breach at it."""
    rnd = onsite_round(onsite_due_at)
    plan = [
        PlannedReminder(ReminderKind.ONSITE, f"ping{int(ahead.total_seconds() // 60)}", due, rnd)
        for ahead in policy.onsite_pings
        if (due := onsite_due_at - ahead) > now
    ]
    plan.append(PlannedReminder(ReminderKind.ONSITE, "breach", onsite_due_at, rnd))
    return plan


def report_clock(arrived_at: datetime, policy: ServicePolicy, rnd: int) -> list[PlannedReminder]:
    """A reminder to a technician on site for hours without a report."""
    return [
        PlannedReminder(ReminderKind.REPORT, "remind", arrived_at + policy.report_reminder, rnd)
    ]


def quote_clock(quoted_at: datetime, policy: ServicePolicy, rnd: int) -> list[PlannedReminder]:
    """A reminder to the customer, then the case is flagged for the desk."""
    return [
        PlannedReminder(ReminderKind.QUOTE, "remind", quoted_at + policy.quote_reminder, rnd),
        PlannedReminder(ReminderKind.QUOTE, "flag", quoted_at + policy.quote_flag, rnd),
    ]


def confirm_clock(resolved_at: datetime, policy: ServicePolicy, rnd: int) -> list[PlannedReminder]:
    """Without the customer's answer the case closes by itself."""
    return [
        PlannedReminder(
            ReminderKind.CONFIRM, "autoclose", resolved_at + policy.confirm_autoclose, rnd
        )
    ]


def survey_clock(
    closed_at: datetime, policy: ServicePolicy, rnd: int = 0
) -> list[PlannedReminder]:
    """Push after closure, one reminder, then expiry; the round is the closing's repair round."""
    pushed = closed_at + policy.survey_delay
    return [
        PlannedReminder(ReminderKind.SURVEY, "push", pushed, rnd),
        PlannedReminder(ReminderKind.SURVEY, "remind", pushed + policy.survey_reminder, rnd),
        PlannedReminder(ReminderKind.SURVEY, "expire", closed_at + policy.survey_expiry, rnd),
    ]


_ALL = frozenset(ReminderKind) - {ReminderKind.SURVEY, ReminderKind.COMPLAINT}

# Which reminder families each action makes moot; the workflow cancels them on every move.
MOOT: dict[str, frozenset[ReminderKind]] = {
    "assign": frozenset({ReminderKind.RESPONSE, ReminderKind.ACCEPT}),
    # The on-site clock runs from the customer's choice whoever holds the case (or nobody):
    # assignment moves leave it alone; only arrival, a quote (paused) or the end stop it.
    "reassign": frozenset({ReminderKind.ACCEPT, ReminderKind.RESPONSE}),
    "unassign": frozenset({ReminderKind.ACCEPT, ReminderKind.REPORT, ReminderKind.QUOTE}),
    "accept": frozenset({ReminderKind.ACCEPT}),
    "decline": frozenset({ReminderKind.ACCEPT}),
    "accept_timeout": frozenset({ReminderKind.ACCEPT}),
    "quote": frozenset({ReminderKind.QUOTE, ReminderKind.ONSITE}),
    "approve_quote": frozenset({ReminderKind.QUOTE}),
    "decline_quote": _ALL,
    "check_in": frozenset({ReminderKind.ONSITE}),
    "report_fixed": frozenset({ReminderKind.REPORT, ReminderKind.ONSITE}),
    "report_not_fixed": frozenset({ReminderKind.REPORT}),
    "close": _ALL,
    "reopen": frozenset({ReminderKind.CONFIRM}),
    "cancel": _ALL | {ReminderKind.SURVEY},
}


def moot_kinds(action: str, actor: str) -> frozenset[ReminderKind]:
    """The reminder families a move makes moot; only a person's answer stops the response clock."""
    kinds = MOOT.get(action, frozenset())
    if actor == "system":
        kinds = kinds - {ReminderKind.RESPONSE}
    return kinds
