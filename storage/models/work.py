"""Quotes and service reports: what the technician proposes and what was done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Quote(Base):
    """A price for out-of-warranty work, awaiting the customer's approval."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    parts_cents: Mapped[int] = mapped_column(Integer, default=0)
    labour_cents: Mapped[int] = mapped_column(Integer, default=0)
    travel_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceReport(Base):
    """The technician's report of one visit."""

    __tablename__ = "service_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # monthly report
    work_done: Mapped[str] = mapped_column(Text)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    parts_cents: Mapped[int] = mapped_column(Integer, default=0)
    labour_hours: Mapped[float] = mapped_column(Float, default=0.0)
    labour_cents: Mapped[int] = mapped_column(Integer, default=0)
    travel_cents: Mapped[int] = mapped_column(Integer, default=0)
    customer_cost_cents: Mapped[int] = mapped_column(Integer, default=0)
    warranty: Mapped[str] = mapped_column(String(20))
    root_cause: Mapped[str] = mapped_column(String(40))
    supplier_name: Mapped[str | None] = mapped_column(String(120))
    major_quality: Mapped[bool] = mapped_column(Boolean, default=False)
    fixed: Mapped[bool] = mapped_column(Boolean)
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # pending, then confirmed (a button in the customer's chat) or signed (the Mini App pad),
    # disputed, or n/a for a report of unfinished work.
    confirmation: Mapped[str] = mapped_column(String(20), default="pending")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_text: Mapped[str | None] = mapped_column(Text)
    # The customer's signature from the Mini App page (PNG), kept for the paper trail.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
