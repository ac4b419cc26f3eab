"""Pure rules: transitions, numbers, deadlines, warranty, repeats, input checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.lifecycle import (
    Action,
    Actor,
    CaseStatus,
    IllegalTransition,
    allowed_actions,
    customer_may_cancel,
    transition,
)
from domain.numbers import format_case_number, parse_case_number
from domain.policy import ServicePolicy
from domain.reminders import ReminderKind, moot_kinds, onsite_clock, response_clock
from domain.sla import DeadlinePolicy, EarlierCase, OnsiteChoice, parse_local_datetime, repeat_of
from domain.validation import InputError, clean_text, mask_phone, normalize_phone, normalize_serial
from domain.warranty import Charge, Warranty, charge_for, warranty_status

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def test_happy_path_through_the_table() -> None:
    steps = [
        (Action.ASSIGN, Actor.DESK, CaseStatus.ASSIGNED),
        (Action.ACCEPT, Actor.TECHNICIAN, CaseStatus.ACCEPTED),
        (Action.CHECK_IN, Actor.TECHNICIAN, CaseStatus.ON_SITE),
        (Action.REPORT_FIXED, Actor.TECHNICIAN, CaseStatus.RESOLVED),
        (Action.CLOSE, Actor.CUSTOMER, CaseStatus.CLOSED),
        (Action.REOPEN, Actor.SYSTEM, CaseStatus.NEW),
    ]
    status = CaseStatus.NEW
    for action, actor, expected in steps:
        status = transition(status, action, actor)
        assert status == expected


def test_wrong_actor_or_state_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        transition(CaseStatus.NEW, Action.ACCEPT, Actor.TECHNICIAN)
    with pytest.raises(IllegalTransition):
        transition(CaseStatus.ASSIGNED, Action.ACCEPT, Actor.CUSTOMER)
    with pytest.raises(IllegalTransition):
        transition(CaseStatus.ON_SITE, Action.CANCEL, Actor.CUSTOMER)


def test_customer_cancels_only_before_the_technician_is_on_site() -> None:
    assert [s for s in CaseStatus if customer_may_cancel(s)] == [
        CaseStatus.NEW,
        CaseStatus.ASSIGNED,
        CaseStatus.ACCEPTED,
        CaseStatus.QUOTE_PENDING,
    ]
    assert Action.CANCEL not in allowed_actions(CaseStatus.ON_SITE, Actor.CUSTOMER)


def test_not_fixed_goes_back_to_accepted_and_quote_decline_closes() -> None:
    assert transition(CaseStatus.ON_SITE, Action.REPORT_NOT_FIXED, Actor.TECHNICIAN) == (
        CaseStatus.ACCEPTED
    )
    assert transition(CaseStatus.QUOTE_PENDING, Action.DECLINE_QUOTE, Actor.CUSTOMER) == (
        CaseStatus.CLOSED
    )


def test_case_numbers_round_trip() -> None:
    assert format_case_number(date(2026, 11, 23), 42) == "SR-20261123-0042"
    assert parse_case_number(" sr-20261123-0042 ") == (date(2026, 11, 23), 42)
    assert parse_case_number("SR-20261332-0001") is None
    assert parse_case_number("hello") is None


def test_quick_deadlines_in_local_time() -> None:
    policy = DeadlinePolicy(tz=SHANGHAI)
    assert policy.quick_deadline(OnsiteChoice.URGENT, NOW) == NOW + timedelta(hours=4)
    assert policy.quick_deadline(OnsiteChoice.TODAY, NOW) == datetime(2026, 11, 23, 10, tzinfo=UTC)
    late = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 17:30 local: today is no longer possible
    assert policy.quick_deadline(OnsiteChoice.TODAY, late) is None
    assert policy.quick_deadline(OnsiteChoice.TOMORROW, late) == datetime(
        2026, 11, 24, 10, tzinfo=UTC
    )


def test_deadline_limits() -> None:
    policy = DeadlinePolicy(tz=SHANGHAI)
    assert policy.check(NOW - timedelta(minutes=1), NOW) == "past"
    assert policy.check(NOW + timedelta(minutes=30), NOW) == "past"
    assert policy.check(NOW + timedelta(days=31), NOW) == "too_far"
    assert policy.check(NOW + timedelta(days=2), NOW) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-25 14:00", datetime(2026, 11, 25, 6, tzinfo=UTC)),
        ("11-25 14:30", datetime(2026, 11, 25, 6, 30, tzinfo=UTC)),
        ("11月25日 14:00", datetime(2026, 11, 25, 6, tzinfo=UTC)),
        ("2026/11/25 9", datetime(2026, 11, 25, 1, tzinfo=UTC)),
        ("01-05 10:00", datetime(2027, 1, 5, 2, tzinfo=UTC)),
        ("2026-02-30 10:00", None),
        ("tomorrow", None),
    ],
)
def test_typed_dates(typed: str, expected: datetime | None) -> None:
    assert parse_local_datetime(typed, NOW, SHANGHAI) == expected


def test_warranty_and_cost() -> None:
    today = date(2026, 11, 23)
    assert warranty_status(today, today) is Warranty.IN
    assert warranty_status(today - timedelta(days=1), today) is Warranty.OUT
    assert warranty_status(None, today) is Warranty.UNVERIFIED
    assert warranty_status(today, today, verified=False) is Warranty.UNVERIFIED
    assert charge_for(Warranty.IN, 8000, None) == Charge(0)
    assert charge_for(Warranty.UNVERIFIED, 8000, None) == Charge(0, pending=True)
    assert charge_for(Warranty.OUT, 8000, 8000) == Charge(8000)
    assert charge_for(Warranty.OUT, 9000, 8000) == Charge(8000, beyond_quote=1000)
    assert charge_for(Warranty.OUT, 7000, 8000) == Charge(8000)  # the approved quote


def test_repeat_rule_takes_the_newest_case_within_the_window() -> None:
    earlier = [
        EarlierCase(1, NOW - timedelta(days=40)),
        EarlierCase(2, NOW - timedelta(days=20)),
        EarlierCase(3, NOW - timedelta(days=5)),
    ]
    assert repeat_of(earlier, NOW, 30) == 3
    assert repeat_of(earlier[:1], NOW, 30) is None
    assert repeat_of([], NOW, 30) is None


def test_reminder_plans() -> None:
    policy = ServicePolicy()
    remind, breach = response_clock(NOW, policy, 0)
    assert (remind.stage, remind.due_at) == ("remind", NOW + timedelta(hours=18))
    assert (breach.stage, breach.due_at) == ("breach", NOW + timedelta(hours=24))
    plan = onsite_clock(NOW + timedelta(hours=1), NOW, policy)
    assert [p.stage for p in plan] == ["ping30", "breach"]  # the 2 h ping is already past
    assert remind.key(7) == "case:7:response:remind:0"


def test_text_cleaning() -> None:
    assert clean_text("  a\u200bb\x00c  ", max_length=10) == "abc"
    assert clean_text("שלום 👋", max_length=10) == "שלום 👋"
    with pytest.raises(InputError, match="empty"):
        clean_text("\u200b\u202e", max_length=10)
    with pytest.raises(InputError, match="too_long"):
        clean_text("x" * 11, max_length=10)


def test_phones_and_serials() -> None:
    assert normalize_phone("138 0013 8000") == "+8613800138000"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("8613800138000") == "+8613800138000"
    with pytest.raises(InputError):
        normalize_phone("12345")
    assert normalize_serial(" sn-1001 ") == "SN-1001"
    with pytest.raises(InputError):
        normalize_serial("'; DROP TABLE")
    assert mask_phone("+8613800138000") == "+861****000"


def test_only_a_person_stops_the_response_clock() -> None:
    assert ReminderKind.RESPONSE in moot_kinds("assign", "desk")
    assert ReminderKind.RESPONSE not in moot_kinds("assign", "system")
    assert ReminderKind.ACCEPT in moot_kinds("assign", "system")
