"""The desk's view: where its notices go, what a case card shows, its messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import AssignCase
from core.messages import Button, Message, at, term
from domain.lifecycle import Actor
from domain.reminders import ReminderKind
from services import notify
from storage.models import Case, Staff
from storage.repos import case_messages, people, products, reminders
from storage.repos import cases as case_rows

# Reasons the system gives (shown from the catalog); anything else was typed by a person.
SYSTEM_REASONS = frozenset({"reassigned", "cancelled", "timeout"})


def shown_reason(reason: str) -> Any:
    """A reason as a message argument: a catalog term for system reasons, else the text."""
    return term(f"desk.why.{reason}") if reason in SYSTEM_REASONS else reason


@dataclass(frozen=True)
class DeskRoute:
    """Where desk notices go: a configured group chat, else each dispatcher privately."""

    chat_id: int | None = None
    language: str = "zh_CN"
    auto_assign: bool = False


async def to_desk(
    session: AsyncSession,
    *,
    message: Message,
    key: str,
    now: datetime,
    case: Case | None,
    route: DeskRoute | None,
) -> int:
    """Queues a notice to the desk."""
    route = route or DeskRoute()
    return await notify.to_role(
        session,
        role="dispatcher",
        message=message,
        key=key,
        now=now,
        case=case,
        group_chat_id=route.chat_id,
        group_language=route.language,
    )


async def product_label(session: AsyncSession, *, case: Case) -> str:
    """ "Model · serial" of the case's product, or empty."""
    if case.product_id is None:
        return "-"
    product = await products.get_product_by_id(session, product_id=case.product_id)
    return f"{product.model} · {product.serial}" if product else "-"


async def case_card(session: AsyncSession, *, case: Case) -> dict[str, Any]:
    """The arguments every notice about a case shows (number, customer, product, fault, site,
    clocks, photos)."""
    customer = await people.get_customer_by_id(session, customer_id=case.customer_id)
    return {
        "number": case.number,
        "customer": (customer.name if customer else None) or "-",
        "phone": (customer.phone if customer else None) or "-",
        "photos": await case_messages.photo_count(session, case_id=case.id),
        "kind": term(f"kind.{case.kind}"),
        "product": await product_label(session, case=case),
        "description": case.description,
        "address": case.address or term("desk.location_only"),
        "response_due": at(case.response_due_at),
        "onsite_due": at(case.onsite_due_at) if case.onsite_due_at else "-",
        "warranty": term(f"warranty_staff.{case.warranty}"),
        "repeat": term("desk.repeat_flag" if case.is_repeat else "desk.repeat_no"),
    }


def assign_button(case: Case) -> tuple[tuple[Button, ...], ...]:
    """The desk's "Assign" button for a case."""
    return ((Button("desk.btn_assign", AssignCase(case.id).pack()),),)


async def reply_to_customer(
    session: AsyncSession, *, case: Case, staff: Staff, actor: Actor, text: str, now: datetime
) -> None:
    """Sends the customer a message from the desk; the first one stops the response clock.

    It joins the case's conversation (the thread on the case page) and its timeline.
    """
    event = await case_rows.add_event(
        session, case=case, actor=actor, actor_id=staff.telegram_id, action="message",
        now=now, note=text,
    )  # fmt: skip
    await case_messages.add_message(
        session, case_id=case.id, author="desk", staff_id=staff.id, author_name=staff.name,
        text=text, now=now,
    )  # fmt: skip
    await notify.to_customer(
        session,
        case=case,
        message=Message("desk.message_to_customer", {"number": case.number, "text": text}),
        key=f"reply:{case.id}:{event.id}",
        now=now,
    )
    if case.responded_at is None:
        case.responded_at = now
        await reminders.cancel(session, case_id=case.id, kinds=[ReminderKind.RESPONSE], now=now)
