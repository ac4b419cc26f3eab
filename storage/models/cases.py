"""Products, cases, their photos, events, assignments and number counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Product(Base):
    """A unit the department serves, known by its serial number."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    model: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(60))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    owner_phone: Mapped[str | None] = mapped_column(String(32))
    owner_company: Mapped[str | None] = mapped_column(String(120))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    installed_on: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Case(Base):
    """A service request: fault, installation, return visit or complaint."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_product_closed", "product_id", "closed_at"),
        Index("ix_cases_technician_status", "technician_id", "status"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_closed_at", "closed_at"),
        # The monthly report counts on-site punctuality by deadline.
        Index("ix_cases_onsite_due_at", "onsite_due_at"),
        # Few cases have a parent (repeat faults, complaints). A plain index holds every NULL
        # too, and SQLite's ANALYZE then rates it useless (one value for all rows), so the
        # report's "has a repeat?" lookup scanned the whole table once per closed case.
        Index(
            "ix_cases_parent_id",
            "parent_id",
            sqlite_where=text("parent_id IS NOT NULL"),
            postgresql_where=text("parent_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    warranty: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    region: Mapped[str | None] = mapped_column(String(60))
    category: Mapped[str | None] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10), default="normal")
    # Where the request came in (DESIGN §1, 来电来函登记): chat, phone, letter, email, visit, api.
    channel: Mapped[str] = mapped_column(String(10), default="chat", server_default="chat")
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    close_reason: Mapped[str | None] = mapped_column(String(40))
    root_cause: Mapped[str | None] = mapped_column(String(40))
    corrective_action: Mapped[str | None] = mapped_column(Text)
    handling_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    first_time_fix: Mapped[bool | None] = mapped_column(Boolean)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    arrival_distance_m: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The on-site clock stops while the customer decides on a quote (that wait is theirs):
    # when it started, and the seconds already added to onsite_due_at for earlier pauses.
    quote_pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CasePhoto(Base):
    """A photo attached to a case by the customer or the technician."""

    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str | None] = mapped_column(String(100))
    added_by: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseEvent(Base):
    """One line of a case's audit trail."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # What the event records as data (domain.event_data), rendered in the reader's language;
    # the note keeps only what a person typed. NULL on rows written before it existed.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Assignment(Base):
    """One technician's stint on a case, from assignment to its end."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # monthly report
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    rank_reason: Mapped[str | None] = mapped_column(String(200))
    # The technician's certificate for the case's category when assigned: valid, expired or
    # none (None: the case had no category). Counted in the monthly report.
    certification: Mapped[str | None] = mapped_column(String(10))


# PostgreSQL numbers cases from this sequence (see storage.repos.cases.next_case_number): taking a
# value never waits for another transaction. SQLite, one writer at a time, counts per day.
CASE_NUMBERS = Sequence("case_numbers", metadata=Base.metadata)
# Complaints (CP-…) are numbered apart from service requests, from their own sequence.
COMPLAINT_NUMBERS = Sequence("complaint_numbers", metadata=Base.metadata)


class DaySequence(Base):
    """A local day's case numbering, per series (SR service requests, CP complaints).

    SQLite: `last` is the last number given out that day. PostgreSQL: `last` is the value of
    the case_numbers sequence just before the day's first case; a case's number within the
    day is its sequence value less that.
    """

    __tablename__ = "day_sequences"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    series: Mapped[str] = mapped_column(String(2), primary_key=True, default="SR")
    last: Mapped[int] = mapped_column(Integer)
