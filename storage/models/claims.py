"""Supplier claims: a failed supplier part (外协件) reported in a service report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class SupplierClaim(Base):
    """One claim against a supplier, opened by a report, its outcome recorded by purchasing."""

    __tablename__ = "supplier_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("service_reports.id"), unique=True)
    supplier: Mapped[str] = mapped_column(String(120))
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # open until purchasing records accepted, rejected or withdrawn.
    outcome: Mapped[str] = mapped_column(String(20), default="open")
    outcome_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
