"""A case's conversation: what the customer, the technician and the desk wrote about it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class CaseMessage(Base):
    """One message of a case's thread: its author, when, the text and any photo or voice note."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # customer, technician or desk.
    author: Mapped[str] = mapped_column(String(20))
    # The staff member who wrote it (None for the customer); their name as it was then.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    author_name: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str | None] = mapped_column(Text)
    # Telegram file ids: the page streams them from the Bot API, the outbox forwards them.
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    voice_file_id: Mapped[str | None] = mapped_column(String(200))
