"""Which timeline lines are which webhook events; the signature a receiver checks; backoff."""

from __future__ import annotations

from datetime import timedelta

from domain.webhooks import backoff, events_of_case_event, signature, verify


def test_timeline_lines_map_to_events() -> None:
    assert events_of_case_event("fault", "create", None, "new") == ["case.created"]
    assert events_of_case_event("complaint", "create", None, "new") == ["complaint.opened"]
    assert events_of_case_event("fault", "report_fixed", "on_site", "resolved") == [
        "report.filed",
        "case.status_changed",
    ]
    assert events_of_case_event("complaint", "close", "new", "closed") == [
        "case.status_changed",
        "complaint.closed",
    ]
    assert events_of_case_event("fault", "note", None, None) == []


def test_signature_covers_timestamp_and_body_and_refuses_replays() -> None:
    signed = signature("whsec_x", 1_800_000_000, b'{"a":1}')
    assert signed.startswith("v1=") and len(signed) == 3 + 64
    assert verify("whsec_x", "1800000000", b'{"a":1}', signed, 1_800_000_100)
    assert not verify("whsec_x", "1800000000", b'{"a":2}', signed, 1_800_000_100)
    assert not verify("whsec_x", "1800000001", b'{"a":1}', signed, 1_800_000_100)
    assert not verify("whsec_x", "1800000000", b'{"a":1}', signed, 1_800_000_301)
    assert not verify("whsec_x", "soon", b'{"a":1}', signed, 1_800_000_100)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(40) == timedelta(hours=6)
