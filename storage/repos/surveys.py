"""Satisfaction surveys and their answers (plain queries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Survey, SurveyAnswer
from storage.repos.rows import add as add_row
from storage.upsert import insert_ignore


async def add_survey(session: AsyncSession, *, survey: Survey) -> Survey:
    """Stores a new survey (its id is set on return)."""
    return await add_row(session, survey)


async def get_survey(session: AsyncSession, *, survey_id: int) -> Survey | None:
    """A survey by id."""
    return await session.get(Survey, survey_id)


async def survey_of_case(session: AsyncSession, *, case_id: int) -> Survey | None:
    """The survey of a case, if one was scheduled."""
    return await session.scalar(select(Survey).where(Survey.case_id == case_id))


async def answers_of(session: AsyncSession, *, survey_id: int) -> dict[str, int | str | None]:
    """The answers given so far, by question."""
    rows = await session.execute(
        select(SurveyAnswer.question, SurveyAnswer.value_int, SurveyAnswer.value_text).where(
            SurveyAnswer.survey_id == survey_id
        )
    )
    return {question: (text if text is not None else number) for question, number, text in rows}


async def add_answer(
    session: AsyncSession,
    *,
    survey: Survey,
    question: str,
    value: int | None,
    text: str | None,
    now: datetime,
) -> bool:
    """Stores one answer unless the question has one already; True if this one was stored."""
    return await insert_ignore(
        session,
        SurveyAnswer,
        {
            "survey_id": survey.id,
            "question": question,
            "value_int": value,
            "value_text": text,
            "answered_at": now,
        },
        ["survey_id", "question"],
    )
