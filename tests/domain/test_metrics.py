"""Pure rules of the report and the survey: figures, targets, months, questions, triggers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.complaints import closure_problem
from domain.metrics import (
    Metric,
    mean,
    month_range,
    net_promoter,
    percent,
    previous_month,
)
from domain.survey import (
    ORDER,
    Question,
    Trigger,
    low_score,
    next_question,
    on_answer,
    valid_value,
)
from services.survey_questions import question_message

TZ = ZoneInfo("Asia/Shanghai")


def test_met_respects_direction_and_missing_data() -> None:
    assert Metric("response_24h_pct", 96.0, 96.0, "%").met is True
    assert Metric("response_24h_pct", 95.9, 96.0, "%").met is False
    assert Metric("complaint_rate_pct", 0.9, 1.0, "%", higher_is_better=False).met is True
    assert Metric("complaint_rate_pct", 1.0, 1.0, "%", higher_is_better=False).met is False
    assert Metric("nps", None, 30.0, "score").met is None
    assert Metric("nps", 40.0, None, "score").met is None


def test_ratios_round_and_refuse_empty_populations() -> None:
    assert percent(2, 3) == 66.7
    assert percent(0, 5) == 0.0
    assert percent(3, 0) is None
    assert mean(10, 3) == 3.33
    assert mean(None, 3) is None and mean(5, 0) is None
    assert net_promoter(3, 1, 5) == 40.0
    assert net_promoter(0, 2, 2) == -100.0
    assert net_promoter(0, 0, 0) is None


def test_months_are_local_calendar_months() -> None:
    start, end = month_range("2026-11", TZ)
    assert start == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    start, end = month_range("2026-12", TZ)
    assert end == datetime(2026, 12, 31, 16, tzinfo=UTC)
    # Just after local midnight on 1 December it is already December in Shanghai.
    assert previous_month(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), TZ) == "2026-11"
    assert previous_month(datetime(2026, 1, 5, tzinfo=UTC), TZ) == "2025-12"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-01", "November", "2026-00", ""])
def test_malformed_months_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        month_range(bad, TZ)


def test_questions_come_in_order_and_check_their_values() -> None:
    assert next_question(set()) is Question.OVERALL
    assert next_question({"overall", "arrived"}) is Question.ATTITUDE
    assert next_question({q.value for q in ORDER}) is None
    assert valid_value(Question.OVERALL, 5) and not valid_value(Question.OVERALL, 0)
    assert valid_value(Question.NPS, 0) and valid_value(Question.NPS, 10)
    assert not valid_value(Question.NPS, 11)
    assert valid_value(Question.MONEY, 1) and not valid_value(Question.MONEY, 2)
    assert not valid_value(Question.COMMENT, 1)


def test_question_buttons_fit_telegram_callback_data() -> None:
    for question in ORDER:
        message = question_message(2_147_483_647, question, "SR-20261123-0042")
        for row in message.buttons:
            for button in row:
                assert len(button.data.encode()) <= 64
    nps = question_message(1, Question.NPS, "SR-1")
    assert [len(row) for row in nps.buttons] == [6, 5]


def test_triggers() -> None:
    assert on_answer(Question.SOLVED, 0) is Trigger.REOPEN
    assert on_answer(Question.SOLVED, 1) is None
    assert on_answer(Question.MONEY, 1) is Trigger.MONEY_COMPLAINT
    assert on_answer(Question.OVERALL, 1) is None
    assert low_score({"overall": 2})
    assert low_score({"overall": 4, "attitude": 2})
    assert not low_score({"overall": 3, "attitude": 3, "nps": 6})
    assert not low_score({"overall": 3, "nps": 6, "comment": None})
    assert low_score({"overall": 3, "nps": 6, "comment": "slow"})
    assert not low_score({"overall": 3, "nps": 7, "comment": "fine"})


def test_complaint_closure_needs_cause_and_action() -> None:
    assert closure_problem(None, "done") == "root_cause"
    assert closure_problem("made_up", "done") == "root_cause"
    assert closure_problem("conduct", " ") == "corrective_action"
    assert closure_problem("conduct", "Retrained the technician") is None
