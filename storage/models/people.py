"""Customers, staff and staff invitations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Customer(Base):
    """A Telegram user who asks for service."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for a customer registered by another channel (the CRM, a phone call) who has not
    # talked to the bot: nothing is sent to them in chat.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    company: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(60))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    next_return_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept by the desk on the customer page (the service file): where the customer is usually
    # served, and what staff should know about them.
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)


class CustomerChange(Base):
    """One change the desk made to a customer: who, when, what (no personal data in it)."""

    __tablename__ = "customer_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "staff" (the dashboard, staff_id set) or "cli" (the terminal).
    actor: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # key_on, key_off, region, contact, note
    action: Mapped[str] = mapped_column(String(20))
    # The fields a contact edit changed, or the region set: never a name, phone or note text.
    detail: Mapped[str | None] = mapped_column(String(200))


class Staff(Base):
    """A member of the department: technician, dispatcher, supervisor or admin."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    roles: Mapped[str] = mapped_column(String(120), default="")
    regions: Mapped[str] = mapped_column(String(300), default="")
    skills: Mapped[str] = mapped_column(String(300), default="")
    max_open_jobs: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where a technician starts from (shared when joining or with /profile), and where they last
    # checked in on a job: dispatch measures the distance to a case from one or the other.
    base_latitude: Mapped[float | None] = mapped_column(Float)
    base_longitude: Mapped[float | None] = mapped_column(Float)
    last_latitude: Mapped[float | None] = mapped_column(Float)
    last_longitude: Mapped[float | None] = mapped_column(Float)

    @property
    def role_set(self) -> frozenset[str]:
        """The roles as a set."""
        return frozenset(r for r in self.roles.split(",") if r)

    @property
    def region_list(self) -> list[str]:
        """The regions served, as a list."""
        return [r for r in self.regions.split(",") if r]

    @property
    def skill_list(self) -> list[str]:
        """The product categories mastered, as a list."""
        return [s for s in self.skills.split(",") if s]


class StaffInvite(Base):
    """A one-time deep link that makes its user a staff member."""

    __tablename__ = "staff_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)


class StaffAudit(Base):
    """One grant or removal of a staff role: when, by whom, to whom, which role."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Who did it: "settings" (AFTERSALES_ADMIN_IDS), "cli", "invite", or "staff:<telegram id>".
    actor: Mapped[str] = mapped_column(String(40))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    subject_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # grant or remove
    role: Mapped[str] = mapped_column(String(20))


class Certification(Base):
    """A technician's training certificate for one product category, valid until a day."""

    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("staff_id", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    category: Mapped[str] = mapped_column(String(60))
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who recorded it last: "cli" or "staff:<telegram id>" (as in the staff audit).
    recorded_by: Mapped[str] = mapped_column(String(40))
