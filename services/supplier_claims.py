"""Supplier claims: a report blaming a supplier's part tells purchasing and opens a claim."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message
from core.money import part_lines
from services import notify
from storage.models import Case, ServiceReport, Staff, SupplierClaim
from storage.repos import claims, outbox

logger = logging.getLogger(__name__)

OUTCOMES = ("accepted", "rejected", "withdrawn")


async def open_claim(
    session: AsyncSession,
    *,
    case: Case,
    report: ServiceReport,
    now: datetime,
    chat_id: int | None,
    language: str,
) -> SupplierClaim:
    """Enters the claim in the register and tells the purchasing chat (else the supervisors)."""
    claim = await claims.add_claim(
        session,
        claim=SupplierClaim(
            case_id=case.id, report_id=report.id, supplier=report.supplier_name or "-",
            parts=list(report.parts), opened_at=now, outcome="open",
        ),
    )  # fmt: skip
    message = Message(
        "claims.purchasing",
        {"number": case.number, "supplier": claim.supplier, "parts": part_lines(claim.parts)},
    )
    key = f"claim:{claim.id}"
    if chat_id is not None:
        await outbox.enqueue(
            session, chat_id=chat_id, message=message, language=language, dedupe_key=key,
            now=now, case_id=case.id,
        )  # fmt: skip
    else:
        await notify.to_role(session, role="supervisor", message=message, key=key, now=now,
                             case=case)  # fmt: skip
    logger.info("supplier claim %s opened for %s", claim.id, case.number)
    return claim


async def record_outcome(
    session: AsyncSession,
    *,
    claim: SupplierClaim,
    outcome: str,
    note: str | None,
    by: Staff,
    now: datetime,
) -> None:
    """Purchasing records what the supplier agreed to (or not)."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    claim.outcome, claim.outcome_note = outcome, note
    claim.decided_at, claim.decided_by = now, by.id
