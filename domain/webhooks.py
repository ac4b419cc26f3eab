"""Outgoing webhooks: which changes are which events, the signature, the retry schedule.

A receiver verifies `X-Aftersales-Signature: v1=<hex>`, the HMAC-SHA256 with the
subscription's secret over `<X-Aftersales-Timestamp>.<raw body>`, and refuses timestamps
older than a few minutes (a replay). `X-Aftersales-Event-Id` is the same on every retry of
one event, so a receiver that keys on it handles each event once.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

EVENTS = (
    "case.created",
    "case.status_changed",
    "case.assigned",
    "report.filed",
    "quote.decided",
    "survey.answered",
    "complaint.opened",
    "complaint.closed",
    "standard.breached",
)
REPLAY_WINDOW = timedelta(minutes=5)
# case.assigned is recorded by dispatch once the technician is on the case, not from the event.
_BY_ACTION = {
    "report_fixed": "report.filed",
    "report_not_fixed": "report.filed",
    "approve_quote": "quote.decided",
    "decline_quote": "quote.decided",
}


def events_of_case_event(
    kind: str, action: str, from_status: str | None, to_status: str | None
) -> list[str]:
    """The webhook events one line of a case's timeline stands for."""
    found: list[str] = []
    if action == "create":
        found.append("complaint.opened" if kind == "complaint" else "case.created")
    if action in _BY_ACTION:
        found.append(_BY_ACTION[action])
    if from_status is not None and to_status is not None and from_status != to_status:
        found.append("case.status_changed")
        if kind == "complaint" and to_status == "closed":
            found.append("complaint.closed")
    return found


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of X-Aftersales-Signature for a body sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signed: str, now: float) -> bool:
    """The receiver's check: a fresh timestamp and the signature it stands for."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > REPLAY_WINDOW.total_seconds():
        return False
    return hmac.compare_digest(signature(secret, sent, body), signed)


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after `attempts` failed ones (exponential, capped)."""
    return timedelta(seconds=min(30 * 2 ** max(0, attempts - 1), 6 * 3600))
