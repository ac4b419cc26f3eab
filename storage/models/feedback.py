"""Satisfaction surveys and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Survey(Base):
    """The satisfaction survey of one closing of a case (a re-repair gets its own)."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("case_id", "repair_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The case's reopen_count when it closed: 0 for the first repair, 1 for the re-repair, ...
    repair_round: Mapped[int] = mapped_column(Integer, default=0)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The complaint this survey's answers opened, so one survey opens at most one.
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


class SurveyAnswer(Base):
    """One answered question of a survey."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("survey_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    question: Mapped[str] = mapped_column(String(20))
    value_int: Mapped[int | None] = mapped_column(Integer)
    value_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
