"""API keys of the integrations (ERP, CRM, phone system): stored as digests, with scopes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class ApiKey(Base):
    """One integration's key to /api/v1; the key itself is shown once and kept as SHA-256."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # A prefix of the key, so a person can tell which key a log line or a config file holds.
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        """The scopes as a set."""
        return frozenset(s for s in self.scopes.split(",") if s)
