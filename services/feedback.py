"""Surveys: one per closing of a case (a re-repair is surveyed again), scheduled at closure."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message, at
from domain.complaints import Severity, Source
from domain.event_data import Because, Why
from domain.lifecycle import Actor, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import survey_clock
from domain.survey import Question, Trigger, low_score, next_question, on_answer
from services import complaints, notify, workflow
from storage.models import Case, Survey
from storage.repos import cases as case_rows
from storage.repos import people, reminders, webhooks
from storage.repos import surveys as survey_rows

logger = logging.getLogger(__name__)


async def schedule_survey(
    session: AsyncSession, *, case: Case, now: datetime, policy: ServicePolicy
) -> Survey:
    """Creates the survey of the case's current repair round and its push, reminder, expiry."""
    survey = await survey_rows.survey_of_case(
        session, case_id=case.id, repair_round=case.reopen_count
    )
    if survey is not None:
        return survey
    survey = Survey(
        case_id=case.id,
        repair_round=case.reopen_count,
        customer_id=case.customer_id,
        status="scheduled",
        created_at=now,
        expires_at=now + policy.survey_expiry,
    )
    await survey_rows.add_survey(session, survey=survey)
    await reminders.schedule_plan(
        session, case_id=case.id, plan=survey_clock(now, policy, case.reopen_count)
    )
    return survey


class SurveyStatus:
    """The states a survey passes through."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    COMPLETED = "completed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class AnswerOutcome:
    """What recording an answer did: whether it counted, and what to show next."""

    recorded: bool
    status: str
    next_question: Question | None
    trigger: Trigger | None = None


def is_closed_for_answers(survey: Survey, now: datetime) -> bool:
    """Expired by the clock or by the sweep (answers after that are refused)."""
    return survey.status == SurveyStatus.EXPIRED or now >= survey.expires_at


async def record_answer(
    session: AsyncSession,
    *,
    survey: Survey,
    question: Question,
    value: int | None,
    text: str | None = None,
    now: datetime,
    policy: ServicePolicy,
    desk_chat_id: int | None,
) -> AnswerOutcome:
    """Stores one answer once (a second tap counts nothing), then runs what it triggers."""
    recorded = await survey_rows.add_answer(
        session, survey=survey, question=str(question), value=value, text=text, now=now
    )
    case = await case_rows.get_case(session, case_id=survey.case_id)
    assert case is not None
    trigger = on_answer(question, value) if recorded else None
    if trigger is not None:
        if trigger is Trigger.REOPEN:
            reopened = await reopen_after_survey(
                session, case=case, now=now, policy=policy, desk_chat_id=desk_chat_id
            )
            trigger = trigger if reopened else None
        elif trigger is Trigger.MONEY_COMPLAINT:
            await _survey_complaint(
                session, survey=survey, case=case, source=Source.MONEY, now=now, policy=policy
            )
    answers = await survey_rows.answers_of(session, survey_id=survey.id)
    following = next_question(set(answers))
    if following is None and survey.status != SurveyStatus.COMPLETED:
        survey.status = SurveyStatus.COMPLETED
        survey.completed_at = now
        await _check_low_score(
            session, survey=survey, case=case, answers=answers, now=now, policy=policy
        )
        await webhooks.record(
            session, event="survey.answered", now=now, case_id=case.id,
            data={**webhooks.case_data(case), "survey_id": survey.id, "answers": answers},
        )  # fmt: skip
    return AnswerOutcome(recorded, survey.status, following, trigger)


async def expire_survey(
    session: AsyncSession, *, survey: Survey, now: datetime, policy: ServicePolicy
) -> bool:
    """Marks an unfinished survey expired; low scores given so far still reach the supervisors."""
    if survey.status in (SurveyStatus.COMPLETED, SurveyStatus.EXPIRED):
        return False
    survey.status = SurveyStatus.EXPIRED
    case = await case_rows.get_case(session, case_id=survey.case_id)
    assert case is not None
    answers = await survey_rows.answers_of(session, survey_id=survey.id)
    await _check_low_score(
        session, survey=survey, case=case, answers=answers, now=now, policy=policy
    )
    return True


async def _check_low_score(
    session: AsyncSession,
    *,
    survey: Survey,
    case: Case,
    answers: dict[str, int | str | None],
    now: datetime,
    policy: ServicePolicy,
) -> None:
    """Opens the low-score complaint if the answers call for one."""
    if low_score(answers):
        await _survey_complaint(
            session,
            survey=survey,
            case=case,
            source=Source.LOW_SCORE,
            now=now,
            policy=policy,
            answers=answers,
        )


async def _survey_complaint(
    session: AsyncSession,
    *,
    survey: Survey,
    case: Case,
    source: Source,
    now: datetime,
    policy: ServicePolicy,
    answers: dict[str, int | str | None] | None = None,
) -> None:
    """Opens the survey's complaint (one per survey); money asked makes an existing one high."""
    severity = Severity.HIGH if source is Source.MONEY else Severity.NORMAL
    if survey.complaint_id is not None:
        existing = await case_rows.get_case(session, case_id=survey.complaint_id)
        if existing is not None and severity is Severity.HIGH:
            existing.severity = Severity.HIGH
        return
    customer = await people.get_customer_by_id(session, customer_id=case.customer_id)
    assert customer is not None
    complaint = await complaints.open_complaint(
        session,
        customer=customer,
        parent=case,
        description=_survey_note(case, source, answers or {}),
        source=source,
        now=now,
        policy=policy,
        severity=severity,
    )
    survey.complaint_id = complaint.id


def _survey_note(case: Case, source: Source, answers: dict[str, int | str | None]) -> str:
    """The complaint's stored description: the survey's facts, language-neutral."""
    if source is Source.MONEY:
        return f"survey of {case.number}: money or gifts asked for"
    parts = [
        f"{question}={answers[question]}"
        for question in (Question.OVERALL, Question.ATTITUDE, Question.NPS)
        if answers.get(question) is not None
    ]
    comment = answers.get(Question.COMMENT)
    note = f"survey of {case.number}: " + ", ".join(parts)
    return f"{note}; {comment}" if comment else note


async def reopen_after_survey(
    session: AsyncSession,
    *,
    case: Case,
    now: datetime,
    policy: ServicePolicy,
    desk_chat_id: int | None,
) -> bool:
    """The customer says it is not solved: back to `new`, response clock restarted, desk told."""
    if case.status != CaseStatus.CLOSED:
        return False  # reopened already (a repeat fault, the desk): nothing more to do
    customer = await people.get_customer_by_id(session, customer_id=case.customer_id)
    await workflow.reopen(
        session,
        case=case,
        actor=Actor.CUSTOMER,
        actor_id=customer.telegram_id if customer else None,
        now=now,
        policy=policy,
        data=Because(why=Why.SURVEY_NOT_SOLVED),
    )
    await notify.to_role(
        session,
        role="dispatcher",
        message=Message(
            "survey.desk_reopened",
            {"number": case.number, "response_due": at(case.response_due_at)},
        ),
        key=f"survey-reopen:{case.id}:{case.reopen_count}",
        now=now,
        case=case,
        group_chat_id=desk_chat_id,
    )
    logger.info("case %s reopened by its survey", case.number)
    return True
