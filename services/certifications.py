"""Who may repair: certificates per product category, recorded by admins (CLI, dashboard)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.validation import InputError
from storage.models import Certification, Staff
from storage.repos import certifications

logger = logging.getLogger(__name__)

MAX_CATEGORY = 60


def clean_category(raw: str) -> str:
    """A product category as stored; refuses blank or overlong ones."""
    category = raw.strip()
    if not category or len(category) > MAX_CATEGORY:
        raise InputError("certification.bad_category")
    return category


async def certify(
    session: AsyncSession,
    *,
    staff: Staff,
    category: str,
    until: date,
    by: str,
    now: datetime,
) -> Certification:
    """Records (or renews) a technician's certificate for a category, valid through `until`."""
    category = clean_category(category)
    held = await certifications.get(session, staff_id=staff.id, category=category)
    if held is None:
        held = await certifications.add(
            session,
            certification=Certification(
                staff_id=staff.id, category=category, valid_until=until, recorded_at=now,
                recorded_by=by,
            ),
        )  # fmt: skip
    else:
        held.valid_until, held.recorded_at, held.recorded_by = until, now, by
    logger.info("staff %s certified for %s until %s by %s", staff.id, category, until, by)
    return held


async def revoke(session: AsyncSession, *, staff: Staff, category: str, by: str) -> bool:
    """Withdraws a technician's certificate for a category; False if none was held."""
    held = await certifications.get(session, staff_id=staff.id, category=clean_category(category))
    if held is None:
        return False
    await certifications.delete(session, certification=held)
    logger.info("staff %s certificate for %s revoked by %s", staff.id, category, by)
    return True
