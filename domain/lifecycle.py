"""The case lifecycle: statuses, actions and the one table that moves between them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CaseKind(StrEnum):
    """What a case is about."""

    FAULT = "fault"
    INSTALLATION = "installation"
    RETURN_VISIT = "return_visit"
    COMPLAINT = "complaint"


class CaseStatus(StrEnum):
    """Where a case stands (DESIGN §4)."""

    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    QUOTE_PENDING = "quote_pending"
    ON_SITE = "on_site"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """Something a person or the scheduler does to a case."""

    ASSIGN = "assign"
    UNASSIGN = "unassign"
    REASSIGN = "reassign"
    ACCEPT = "accept"
    DECLINE = "decline"
    ACCEPT_TIMEOUT = "accept_timeout"
    QUOTE = "quote"
    APPROVE_QUOTE = "approve_quote"
    DECLINE_QUOTE = "decline_quote"
    CHECK_IN = "check_in"
    REPORT_FIXED = "report_fixed"
    REPORT_NOT_FIXED = "report_not_fixed"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"


class Actor(StrEnum):
    """Who may perform an action."""

    CUSTOMER = "customer"
    TECHNICIAN = "technician"
    DESK = "desk"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"


S = CaseStatus
A = Action
STAFF = frozenset({Actor.DESK, Actor.SUPERVISOR})
TECH = frozenset({Actor.TECHNICIAN})
DESK_OR_TECH = frozenset({Actor.DESK, Actor.SUPERVISOR, Actor.TECHNICIAN})


@dataclass(frozen=True)
class Transition:
    """One allowed move: from a status, by an action, to a status, by whom."""

    source: CaseStatus
    action: Action
    target: CaseStatus
    actors: frozenset[Actor]


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.NEW, A.ASSIGN, S.ASSIGNED, STAFF | {Actor.SYSTEM}),
    Transition(S.ASSIGNED, A.REASSIGN, S.ASSIGNED, STAFF),
    Transition(S.ASSIGNED, A.UNASSIGN, S.NEW, STAFF),
    Transition(S.ASSIGNED, A.ACCEPT, S.ACCEPTED, TECH),
    Transition(S.ASSIGNED, A.DECLINE, S.NEW, TECH),
    Transition(S.ASSIGNED, A.ACCEPT_TIMEOUT, S.NEW, frozenset({Actor.SYSTEM})),
    Transition(S.ACCEPTED, A.REASSIGN, S.ASSIGNED, STAFF),
    Transition(S.ACCEPTED, A.UNASSIGN, S.NEW, STAFF),
    Transition(S.ACCEPTED, A.QUOTE, S.QUOTE_PENDING, DESK_OR_TECH),
    Transition(S.QUOTE_PENDING, A.APPROVE_QUOTE, S.ACCEPTED, frozenset({Actor.CUSTOMER})),
    Transition(S.QUOTE_PENDING, A.DECLINE_QUOTE, S.CLOSED, frozenset({Actor.CUSTOMER})),
    Transition(S.ACCEPTED, A.CHECK_IN, S.ON_SITE, TECH),
    Transition(S.ON_SITE, A.QUOTE, S.QUOTE_PENDING, DESK_OR_TECH),
    # The technician left the staff: whatever the job's step, it goes back to the queue.
    Transition(S.ON_SITE, A.UNASSIGN, S.NEW, STAFF),
    Transition(S.QUOTE_PENDING, A.UNASSIGN, S.NEW, STAFF),
    Transition(S.ON_SITE, A.REPORT_FIXED, S.RESOLVED, TECH),
    Transition(S.ON_SITE, A.REPORT_NOT_FIXED, S.ACCEPTED, TECH),
    Transition(S.RESOLVED, A.CLOSE, S.CLOSED, STAFF | {Actor.CUSTOMER, Actor.SYSTEM}),
    Transition(S.RESOLVED, A.REOPEN, S.NEW, STAFF | {Actor.CUSTOMER}),
    Transition(S.CLOSED, A.REOPEN, S.NEW, STAFF | {Actor.CUSTOMER, Actor.SYSTEM}),
    Transition(S.NEW, A.CANCEL, S.CANCELLED, frozenset({Actor.CUSTOMER}) | STAFF),
    Transition(S.ASSIGNED, A.CANCEL, S.CANCELLED, frozenset({Actor.CUSTOMER}) | STAFF),
    Transition(S.ACCEPTED, A.CANCEL, S.CANCELLED, frozenset({Actor.CUSTOMER}) | STAFF),
    Transition(S.QUOTE_PENDING, A.CANCEL, S.CANCELLED, frozenset({Actor.CUSTOMER}) | STAFF),
    # Complaints skip dispatch: the owner works them and closes them with a root cause.
    Transition(S.NEW, A.CLOSE, S.CLOSED, frozenset({Actor.SUPERVISOR})),
)

_TABLE: dict[tuple[CaseStatus, Action], Transition] = {
    (t.source, t.action): t for t in TRANSITIONS
}

OPEN_STATUSES = frozenset({S.NEW, S.ASSIGNED, S.ACCEPTED, S.QUOTE_PENDING, S.ON_SITE, S.RESOLVED})
TERMINAL_STATUSES = frozenset({S.CLOSED, S.CANCELLED})
# Before the technician is on site: the statuses in which the on-site deadline can still be met.
BEFORE_SITE = (S.NEW, S.ASSIGNED, S.ACCEPTED)


class IllegalTransition(Exception):
    """An action that the current status (or the actor) does not allow."""

    def __init__(self, status: CaseStatus, action: Action, actor: Actor) -> None:
        super().__init__(f"{action} by {actor} not allowed from {status}")
        self.status = status
        self.action = action
        self.actor = actor


def transition(status: CaseStatus, action: Action, actor: Actor) -> CaseStatus:
    """Returns the status after the action, or raises IllegalTransition."""
    move = _TABLE.get((status, action))
    if move is None or actor not in move.actors:
        raise IllegalTransition(status, action, actor)
    return move.target


def allowed_actions(status: CaseStatus, actor: Actor) -> list[Action]:
    """Lists the actions an actor may take on a case in this status."""
    return [t.action for t in TRANSITIONS if t.source == status and actor in t.actors]


def customer_may_cancel(status: CaseStatus) -> bool:
    """Tells whether the customer can still cancel (before the technician is on site)."""
    return Action.CANCEL in allowed_actions(status, Actor.CUSTOMER)
