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


async def survey_of_case(
    session: AsyncSession, *, case_id: int, repair_round: int | None = None
) -> Survey | None:
    """The survey of one repair round of a case (the latest round if none is given)."""
    query = select(Survey).where(Survey.case_id == case_id)
    if repair_round is not None:
        query = query.where(Survey.repair_round == repair_round)
    return await session.scalar(query.order_by(Survey.repair_round.desc()).limit(1))


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
