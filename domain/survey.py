"""The satisfaction survey: its questions, their scales, and what answers trigger (pure rules)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Question(StrEnum):
    """The survey's questions, in the order they are asked (stored as SurveyAnswer.question)."""

    OVERALL = "overall"
    ARRIVED = "arrived"
    ATTITUDE = "attitude"
    SOLVED = "solved"
    MONEY = "money"
    NPS = "nps"
    COMMENT = "comment"


ORDER: tuple[Question, ...] = tuple(Question)

# Short codes keep callback data well under Telegram's 64 bytes.
CODES: dict[Question, str] = {
    Question.OVERALL: "ov",
    Question.ARRIVED: "ar",
    Question.ATTITUDE: "at",
    Question.SOLVED: "so",
    Question.MONEY: "mo",
    Question.NPS: "np",
    Question.COMMENT: "cm",
}
BY_CODE: dict[str, Question] = {code: question for question, code in CODES.items()}

YES, NO = 1, 0
COMMENT_LIMIT = 1000


class Scale(StrEnum):
    """What kind of answer a question takes."""

    SATISFACTION = "satisfaction"
    ATTITUDE = "attitude"
    YES_NO = "yes_no"
    NPS = "nps"
    TEXT = "text"


SCALES: dict[Question, Scale] = {
    Question.OVERALL: Scale.SATISFACTION,
    Question.ARRIVED: Scale.YES_NO,
    Question.ATTITUDE: Scale.ATTITUDE,
    Question.SOLVED: Scale.YES_NO,
    Question.MONEY: Scale.YES_NO,
    Question.NPS: Scale.NPS,
    Question.COMMENT: Scale.TEXT,
}


def valid_value(question: Question, value: int) -> bool:
    """Tells whether a button value is a legal answer to the question."""
    scale = SCALES[question]
    if scale in (Scale.SATISFACTION, Scale.ATTITUDE):
        return 1 <= value <= 5
    if scale is Scale.YES_NO:
        return value in (YES, NO)
    if scale is Scale.NPS:
        return 0 <= value <= 10
    return False


def next_question(answered: set[str]) -> Question | None:
    """The first question not yet answered, or None when the survey is complete."""
    for question in ORDER:
        if question not in answered:
            return question
    return None


class Trigger(StrEnum):
    """What an answer sets off."""

    REOPEN = "reopen"
    MONEY_COMPLAINT = "money_complaint"
    LOW_SCORE_COMPLAINT = "low_score_complaint"


def on_answer(question: Question, value: int | None) -> Trigger | None:
    """What one answer sets off at once: not solved reopens, money asked opens a complaint."""
    if question is Question.SOLVED and value == NO:
        return Trigger.REOPEN
    if question is Question.MONEY and value == YES:
        return Trigger.MONEY_COMPLAINT
    return None


def low_score(answers: Mapping[str, int | str | None]) -> bool:
    """Overall ≤ 2, attitude ≤ 2, or NPS ≤ 6 with a comment: the supervisors must look at it."""
    overall = answers.get(Question.OVERALL)
    attitude = answers.get(Question.ATTITUDE)
    nps = answers.get(Question.NPS)
    comment = answers.get(Question.COMMENT)
    if isinstance(overall, int) and overall <= 2:
        return True
    if isinstance(attitude, int) and attitude <= 2:
        return True
    return isinstance(nps, int) and nps <= 6 and isinstance(comment, str) and bool(comment)
