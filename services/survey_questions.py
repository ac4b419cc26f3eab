"""A survey question as a message: its frame, its step, its answer buttons."""

from __future__ import annotations

from core.callbacks import SurveyAnswer
from core.messages import Button, Message
from domain.survey import CODES, NO, ORDER, SCALES, YES, Question, Scale


def answer_data(survey_id: int, question: Question, value: int | str) -> str:
    """Callback data of an answer button: `sv:<survey>:<code>:<value>`."""
    return SurveyAnswer(survey_id, CODES[question], str(value)).pack()


def _buttons(survey_id: int, question: Question) -> tuple[tuple[Button, ...], ...]:
    """The answer buttons of a question."""
    scale = SCALES[question]
    if scale in (Scale.SATISFACTION, Scale.ATTITUDE):
        return tuple(
            (Button(f"survey.opt.{scale}.{value}", answer_data(survey_id, question, value)),)
            for value in range(5, 0, -1)
        )
    if scale is Scale.YES_NO:
        return (
            (
                Button("survey.opt.yes", answer_data(survey_id, question, YES)),
                Button("survey.opt.no", answer_data(survey_id, question, NO)),
            ),
        )
    if scale is Scale.NPS:
        return tuple(
            tuple(
                Button("survey.opt.number", answer_data(survey_id, question, n), {"n": n})
                for n in numbers
            )
            for numbers in (range(0, 6), range(6, 11))
        )
    return ((Button("survey.opt.skip", answer_data(survey_id, question, "skip")),),)


def question_message(
    survey_id: int, question: Question, case_number: str, *, frame: str = "survey.ask"
) -> Message:
    """A question with its buttons, framed as a push, a reminder or the next step in place."""
    args: dict[str, object] = {
        "number": case_number,
        "step": ORDER.index(question) + 1,
        "total": len(ORDER),
        "question": {"$t": f"survey.q.{question}"},
    }
    return Message(frame, args, _buttons(survey_id, question))
