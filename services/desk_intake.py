"""A request the desk registers for a customer (phone call, letter, e-mail, visit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message, at, term
from domain.lifecycle import CaseKind
from domain.policy import ServicePolicy
from domain.sla import DeadlinePolicy
from services import notify
from services.desk import DeskRoute
from services.intake import CaseDraft, open_case
from storage.models import Case, Customer, Staff
from storage.repos import products

CHANNELS = ("phone", "letter", "email", "visit")


class Refused(Exception):
    """The request cannot be registered as given; `key` is the catalog text saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class DeskRequest:
    """What the customer asked for, as the desk took it down."""

    kind: CaseKind
    description: str
    channel: str
    onsite_due_at: datetime
    address: str | None = None
    serial: str | None = None  # normalised; a serial the department does not know is added
    model: str | None = None


async def register(
    session: AsyncSession,
    *,
    customer: Customer,
    request: DeskRequest,
    staff: Staff,
    now: datetime,
    policy: ServicePolicy,
    desk: DeskRoute | None,
) -> Case:
    """Opens the case like any other, records channel and staff, confirms in chat if linked."""
    if request.channel not in CHANNELS:
        raise Refused("intake.bad_channel")
    limits = DeadlinePolicy(tz=policy.tz, max_days=policy.max_onsite_days)
    problem = limits.check(request.onsite_due_at, now)
    if problem is not None:
        raise Refused(f"intake.deadline_{problem}")
    product_id = None
    if request.serial is not None:
        product = await products.get_product(session, serial=request.serial)
        if product is not None and product.customer_id not in (None, customer.id):
            raise Refused("intake.serial_taken")
        if product is None:
            product = await products.add_unverified_product(
                session, serial=request.serial, model=request.model or "",
                purchase_date=None, customer_id=customer.id, now=now,
            )  # fmt: skip
        elif product.customer_id is None:
            product.customer_id = customer.id
        product_id = product.id
    draft = CaseDraft(
        kind=request.kind,
        description=request.description,
        product_id=product_id,
        address=request.address,
        onsite_due_at=request.onsite_due_at,
        channel=request.channel,
        registered_by=staff.name,
    )
    case = await open_case(
        session, customer=customer, draft=draft, now=now, policy=policy, desk=desk
    )
    # The customer reported it outside the chat: the confirmation comes to the chat, if any.
    message = Message(
        "report.confirmed",
        {
            "number": case.number,
            "warranty": term(f"warranty.{case.warranty}"),
            "response_due": at(case.response_due_at),
            "onsite_due": at(request.onsite_due_at),
        },
    )
    await notify.to_customer(session, case=case, message=message, key=f"intake:{case.id}", now=now)
    return case
