"""The survey's clock: pushed after closure, reminded once if unfinished, then expired.

Each handler re-checks the survey: a row may be stale (survey finished, case cancelled).
"""

from __future__ import annotations

import logging

from domain.lifecycle import CaseStatus
from domain.reminders import ReminderKind, round_of
from domain.survey import next_question
from scheduler.registry import JobContext, handles
from services import feedback, notify
from services.feedback import SurveyStatus
from services.survey_questions import question_message
from storage.models import Case, Reminder, Survey
from storage.repos import cases as case_rows
from storage.repos import surveys as survey_rows

logger = logging.getLogger(__name__)


async def _open_survey(ctx: JobContext, reminder: Reminder) -> tuple[Survey, Case] | None:
    """The reminder's survey and case while the survey still waits for answers."""
    if reminder.case_id is None:
        return None
    survey = await survey_rows.survey_of_case(
        ctx.session, case_id=reminder.case_id, repair_round=round_of(reminder.key)
    )
    case = await case_rows.get_case(ctx.session, case_id=reminder.case_id)
    if survey is None or case is None or case.status == CaseStatus.CANCELLED:
        return None
    if survey.status not in (SurveyStatus.SCHEDULED, SurveyStatus.SENT):
        return None
    if feedback.is_closed_for_answers(survey, ctx.now):
        return None
    return survey, case


async def _ask_next(
    ctx: JobContext, survey: Survey, case: Case, *, frame: str, stage: str
) -> bool:
    """Queues the next unanswered question to the customer, framed for this stage."""
    answers = await survey_rows.answers_of(ctx.session, survey_id=survey.id)
    question = next_question(set(answers))
    if question is None:
        return False
    queued = await notify.to_customer(
        ctx.session,
        case=case,
        message=question_message(survey.id, question, case.number, frame=frame),
        key=f"survey:{survey.id}:{stage}",
        now=ctx.now,
    )
    if survey.status == SurveyStatus.SCHEDULED:
        survey.status = SurveyStatus.SENT
        survey.sent_at = ctx.now
    return queued


@handles(ReminderKind.SURVEY, "push")
async def push_survey(ctx: JobContext, reminder: Reminder) -> None:
    """Sends the customer the survey's first question."""
    found = await _open_survey(ctx, reminder)
    if found is None or found[0].status != SurveyStatus.SCHEDULED:
        return
    survey, case = found
    if await _ask_next(ctx, survey, case, frame="survey.push", stage="push"):
        logger.info("survey of case %s pushed", case.number)


@handles(ReminderKind.SURVEY, "remind")
async def remind_survey(ctx: JobContext, reminder: Reminder) -> None:
    """Reminds a customer who has not finished, with the next question to resume from."""
    found = await _open_survey(ctx, reminder)
    if found is None:
        return
    survey, case = found
    if await _ask_next(ctx, survey, case, frame="survey.reminder", stage="remind"):
        logger.info("survey of case %s reminded", case.number)


@handles(ReminderKind.SURVEY, "expire")
async def expire_survey(ctx: JobContext, reminder: Reminder) -> None:
    """Closes an unfinished survey to answers."""
    if reminder.case_id is None:
        return
    survey = await survey_rows.survey_of_case(
        ctx.session, case_id=reminder.case_id, repair_round=round_of(reminder.key)
    )
    if survey is None:
        return
    if await feedback.expire_survey(ctx.session, survey=survey, now=ctx.now, policy=ctx.policy):
        logger.info("survey %s expired unfinished", survey.id)
