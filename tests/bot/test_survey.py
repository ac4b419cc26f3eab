"""The satisfaction survey through the real bot: complete, resume, expire, double tap, triggers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.lifecycle import CaseKind, CaseStatus
from storage.models import Case, Reminder, Survey, SurveyAnswer
from tests.bot.survey_steps import (
    DISPATCHER_ID,
    SUPERVISOR_ID,
    pushed,
    staff,
    tap,
)
from tests.harness import Harness
from tests.world import World


async def _answers(harness: Harness, survey_id: int) -> dict[str, int | str | None]:
    async with harness.session() as session:
        rows = await session.execute(
            select(SurveyAnswer.question, SurveyAnswer.value_int, SurveyAnswer.value_text).where(
                SurveyAnswer.survey_id == survey_id
            )
        )
        return {q: (t if t is not None else v) for q, v, t in rows}


async def test_complete_survey_in_english(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5001)
    first = s.user.texts()[-1]
    assert f"Your case {s.number} is closed" in first and "Question 1 of 7" in first
    assert "Overall, how satisfied" in first
    assert s.user.last().button_texts()[0] == "5 — Very satisfied"
    message_id = s.user.last().message_id
    assert "Question 2 of 7" in await tap(harness, s.user, "5 — Very satisfied")
    assert s.user.last().message_id == message_id  # edited in place
    assert "Question 3 of 7" in await tap(harness, s.user, "Yes")
    assert "Question 4 of 7" in await tap(harness, s.user, "4 — Good")
    assert "Question 5 of 7" in await tap(harness, s.user, "Yes")
    assert "Question 6 of 7" in await tap(harness, s.user, "No")
    text = await tap(harness, s.user, "10")
    assert "Question 7 of 7" in text and "Anything else" in text
    s.user.send_text("Very quick and tidy work, thank you.")
    await harness.settle()
    assert f"Thank you for your feedback on case {s.number}" in s.user.texts()[-1]
    assert s.user.last().message_id > message_id
    assert await _answers(harness, s.survey_id) == {
        "overall": 5,
        "arrived": 1,
        "attitude": 4,
        "solved": 1,
        "money": 0,
        "nps": 10,
        "comment": "Very quick and tidy work, thank you.",
    }
    async with harness.session() as session:
        survey = await session.get(Survey, s.survey_id)
        complaints = await session.scalar(select(Case.id).where(Case.kind == CaseKind.COMPLAINT))
    assert survey is not None and survey.status == "completed"
    assert survey.completed_at == harness.clock.now()
    assert complaints is None
    # The reminder a day later finds the survey finished and says nothing.
    before = len(s.user.texts())
    harness.advance(timedelta(days=1))
    await harness.tick()
    assert len(s.user.texts()) == before


async def test_complete_survey_in_chinese_with_skip(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5002, language="zh_CN")
    assert f"您的工单 {s.number} 已关闭" in s.user.texts()[-1]
    assert "第 2/7 题" in await tap(harness, s.user, "4 — 满意")
    await tap(harness, s.user, "是")
    await tap(harness, s.user, "5 — 非常好")
    await tap(harness, s.user, "是")
    await tap(harness, s.user, "否")
    assert "还有其他想告诉我们的吗" in await tap(harness, s.user, "9")
    assert f"感谢您对工单 {s.number} 的反馈" in await tap(harness, s.user, "跳过")
    answers = await _answers(harness, s.survey_id)
    assert answers["nps"] == 9 and answers["comment"] is None and len(answers) == 7


async def test_double_tap_on_an_old_keyboard_counts_once(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5003)
    first_message = s.user.last().message_id
    await tap(harness, s.user, "2 — Dissatisfied")
    # The message now shows question 2; a replayed press of the old button arrives.
    s.user.press_data(f"sv:{s.survey_id}:ov:5", first_message)
    await harness.settle()
    assert "Question 2 of 7" in s.user.texts()[-1]
    assert await _answers(harness, s.survey_id) == {"overall": 2}


async def test_resume_from_the_reminder_after_a_restart(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5004)
    await tap(harness, s.user, "5 — Very satisfied")
    await tap(harness, s.user, "Yes")
    await harness.restart()
    harness.advance(timedelta(days=1))
    await harness.tick()
    reminder = s.user.texts()[-1]
    assert "A reminder" in reminder and "Question 3 of 7" in reminder
    assert "attitude and professionalism" in reminder
    for label in ("5 — Excellent", "Yes", "No", "8"):
        await tap(harness, s.user, label)
    s.user.press("Skip")
    await harness.settle()
    assert "Thank you for your feedback" in s.user.texts()[-1]
    assert len(await _answers(harness, s.survey_id)) == 7


async def test_expired_survey_says_so(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5005)
    await tap(harness, s.user, "4 — Satisfied")
    harness.advance(timedelta(days=7))
    await harness.tick()
    async with harness.session() as session:
        survey = await session.get(Survey, s.survey_id)
    assert survey is not None and survey.status == "expired"
    text = await tap(harness, s.user, "Yes")
    assert "This survey has expired" in text
    assert s.user.last().button_texts() == []
    assert await _answers(harness, s.survey_id) == {"overall": 4}


async def test_someone_elses_survey_button_is_refused(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5006)
    intruder = harness.user(5999)
    presses = [
        intruder.press_data(f"sv:{s.survey_id}:ov:1", s.user.last().message_id),
        intruder.press_data("sv:abc:ov:1", s.user.last().message_id),
        s.user.press_data(f"sv:{s.survey_id}:ov:9", s.user.last().message_id),
    ]
    await harness.settle()
    for update_id in presses:
        answered = harness.server.callback_answer(update_id)
        assert answered is not None and answered["text"] == "This button is no longer valid."
    assert await _answers(harness, s.survey_id) == {}


async def test_not_solved_reopens_the_case_and_tells_the_desk(
    harness: Harness, world: World
) -> None:
    await staff(world)
    s = await pushed(world, 5007)
    for label in ("3 — Neutral", "Yes", "4 — Good"):
        await tap(harness, s.user, label)
    s.user.press("No")
    await harness.settle()
    assert any(f"Case {s.number} is reopened" in t for t in s.user.texts())
    assert "Question 5 of 7" in s.user.texts()[-2] or "Question 5 of 7" in s.user.texts()[-1]
    desk = harness.user(DISPATCHER_ID)
    assert any(f"Case {s.number} reopened" in t for t in desk.texts())
    async with harness.session() as session:
        case = await session.get(Case, s.case_id)
        rows = list(
            await session.scalars(
                select(Reminder.key).where(
                    Reminder.case_id == s.case_id, Reminder.kind == "response"
                )
            )
        )
    assert case is not None
    assert case.status == CaseStatus.NEW and case.reopen_count == 1
    assert case.first_time_fix is False and case.responded_at is None
    assert case.response_due_at == harness.clock.now() + timedelta(hours=24)
    assert f"case:{s.case_id}:response:breach:1" in rows
    # A second press of the old "No" neither reopens again nor double counts.
    s.user.press_data(f"sv:{s.survey_id}:so:0", s.user.last().message_id)
    await harness.settle()
    async with harness.session() as session:
        case = await session.get(Case, s.case_id)
    assert case is not None and case.reopen_count == 1


async def test_money_asked_opens_a_high_complaint_at_once(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5008)
    for label in ("4 — Satisfied", "Yes", "4 — Good", "Yes"):
        await tap(harness, s.user, label)
    s.user.press("Yes")
    await harness.settle()
    assert any("a supervisor will look into this personally" in t for t in s.user.texts())
    async with harness.session() as session:
        complaint = await session.scalar(select(Case).where(Case.kind == CaseKind.COMPLAINT))
        survey = await session.get(Survey, s.survey_id)
    assert complaint is not None and complaint.severity == "high"
    assert complaint.parent_id == s.case_id and survey is not None
    assert survey.complaint_id == complaint.id
    supervisor = harness.user(SUPERVISOR_ID)
    assert any(f"HIGH severity complaint {complaint.number}" in t for t in supervisor.texts())
    # A low score at the end does not open a second complaint for the same survey.
    await tap(harness, s.user, "2")
    await tap(harness, s.user, "Skip")
    async with harness.session() as session:
        count = len(list(await session.scalars(select(Case.id).where(Case.kind == "complaint"))))
    assert count == 1


async def test_low_scores_open_a_complaint_on_completion(harness: Harness, world: World) -> None:
    await staff(world)
    s = await pushed(world, 5009)
    for label in ("4 — Satisfied", "No", "2 — Poor", "Yes", "No", "7"):
        await tap(harness, s.user, label)
    s.user.send_text("The technician was rude.")
    await harness.settle()
    async with harness.session() as session:
        complaint = await session.scalar(select(Case).where(Case.kind == CaseKind.COMPLAINT))
    assert complaint is not None and complaint.severity == "normal"
    assert "attitude=2" in complaint.description and "rude" in complaint.description
    supervisor = harness.user(SUPERVISOR_ID)
    assert any(f"New complaint {complaint.number}" in t for t in supervisor.texts())


async def test_nps_detractor_needs_a_comment_to_open_a_complaint(
    harness: Harness, world: World
) -> None:
    await staff(world)
    s = await pushed(world, 5010)
    for label in ("3 — Neutral", "Yes", "3 — Acceptable", "Yes", "No", "5", "Skip"):
        await tap(harness, s.user, label)
    async with harness.session() as session:
        complaint = await session.scalar(select(Case.id).where(Case.kind == CaseKind.COMPLAINT))
    assert complaint is None
