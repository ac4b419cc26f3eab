"""The desk's case actions when an integration (an API key) performs them.

Each goes through the same use case as in chat (intake, dispatch, closing) and leaves an event
on the case's timeline naming the key (`api:<name>`), so the audit trail says who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Actor, CaseKind, CaseStatus, IllegalTransition
from domain.policy import ServicePolicy
from domain.sla import DeadlinePolicy
from domain.validation import InputError, normalize_serial
from services import closing, dispatch
from services.desk import DeskRoute
from services.intake import CaseDraft, open_case
from storage.models import Case, Customer, Product, Staff
from storage.repos import cases as case_rows
from storage.repos import products


class Refused(Exception):
    """An action the case's state or the input does not allow; `field` names the culprit."""

    def __init__(self, code: str, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.code, self.reason, self.field = code, reason, field


@dataclass(frozen=True)
class ChannelRequest:
    """A request that reached the department by phone, letter, e-mail, visit or a web form."""

    kind: CaseKind
    description: str
    channel: str
    product_serial: str | None = None
    address: str | None = None
    onsite_due_at: datetime | None = None


async def register(
    session: AsyncSession,
    *,
    customer: Customer,
    request: ChannelRequest,
    by: str,
    now: datetime,
    policy: ServicePolicy,
    desk: DeskRoute,
) -> Case:
    """Opens a case like any other (number, clocks, reminders, desk notice), channel recorded."""
    product: Product | None = None
    if request.product_serial is not None:
        try:
            serial = normalize_serial(request.product_serial)
        except InputError:
            raise Refused("invalid", "not a serial number", "product_serial") from None
        product = await products.get_product(session, serial=serial)
        if product is None:
            raise Refused("invalid", "no product with this serial", "product_serial")
        if product.customer_id not in (None, customer.id):
            raise Refused("invalid", "registered to another customer", "product_serial")
    if request.onsite_due_at is not None:
        limits = DeadlinePolicy(tz=policy.tz, max_days=policy.max_onsite_days)
        problem = limits.check(request.onsite_due_at, now)
        if problem is not None:
            reason = "too soon or in the past" if problem == "past" else "too far ahead"
            raise Refused("invalid", reason, "onsite_due_at")
    draft = CaseDraft(
        kind=request.kind,
        description=request.description,
        product_id=product.id if product else None,
        address=request.address,
        onsite_due_at=request.onsite_due_at,
        channel=request.channel,
        registered_by=by,
    )
    return await open_case(
        session, customer=customer, draft=draft, now=now, policy=policy, desk=desk
    )


async def assign(
    session: AsyncSession,
    *,
    case: Case,
    technician_id: int,
    reason: str | None,
    by: str,
    now: datetime,
    policy: ServicePolicy,
) -> None:
    """Gives the case to a technician, ranked and checked as when the desk does it in chat."""
    if case.status not in dispatch.ASSIGNABLE:
        raise Refused("conflict", f"a case in status {case.status} cannot be assigned")
    technician = await session.get(Staff, technician_id)
    if technician is None or not technician.active or "technician" not in technician.role_set:
        raise Refused("invalid", "no active technician with this id", "technician_id")
    if technician.id == case.technician_id:
        raise Refused("conflict", "the case is already assigned to this technician")
    today = now.astimezone(policy.tz).date()
    ranked = {
        r.candidate.staff_id: r for r in await dispatch.candidates(session, case=case, today=today)
    }
    rank = ranked.get(technician.id)
    try:
        await dispatch.assign(
            session, case=case, technician=technician, by=None, actor=Actor.DESK, now=now,
            policy=policy, rank_reason=rank.code() if rank else None,
            reason=f"{by}: {reason}" if reason else by,
        )  # fmt: skip
    except IllegalTransition:
        raise Refused("conflict", f"a case in status {case.status} cannot be assigned") from None
    if case.responded_at is None:
        case.responded_at = now  # a person at the desk chose through the integration


async def add_note(
    session: AsyncSession, *, case: Case, text: str, by: str, now: datetime
) -> None:
    """Adds a note to the case's timeline."""
    await case_rows.add_event(
        session, case=case, actor=Actor.DESK, actor_id=None, action="note", now=now,
        note=f"{by}: {text}",
    )  # fmt: skip


async def close(
    session: AsyncSession,
    *,
    case: Case,
    note: str | None,
    by: str,
    now: datetime,
    policy: ServicePolicy,
) -> None:
    """Closes a resolved case as the desk does (survey scheduled, customer told)."""
    if case.status != CaseStatus.RESOLVED:
        raise Refused("conflict", f"only a resolved case can be closed (it is {case.status})")
    await closing.desk_close(
        session, case=case, staff=None, actor=Actor.DESK,
        note=f"{by}: {note}" if note else by, now=now, policy=policy,
    )  # fmt: skip
