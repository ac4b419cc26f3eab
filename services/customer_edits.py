"""The desk's changes to a customer (key flag, region, contact data, note), each recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import LANGUAGES
from domain.validation import InputError, clean_text, normalize_phone
from storage.models import Customer
from storage.repos import customer_file

logger = logging.getLogger(__name__)

NAME_LIMIT = 100  # the columns' widths
COMPANY_LIMIT = 120
ADDRESS_LIMIT = 300
NOTE_LIMIT = 2000
REGION_LIMIT = 60


class Refused(Exception):
    """A change that cannot be made as given; `key` is the catalog text saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Contact:
    """A customer's contact data, checked and normalised."""

    name: str
    phone: str
    company: str | None
    address: str | None
    language: str


def _optional(raw: str, limit: int, field: str) -> str | None:
    """A cleaned optional text; None when blank."""
    if not raw.strip():
        return None
    try:
        return clean_text(raw, max_length=limit)
    except InputError as exc:
        if exc.reason == "empty":
            return None  # nothing visible was typed
        raise Refused(f"web.customer.err.{field}_{exc.reason}") from None


def read_contact(*, name: str, phone: str, company: str, address: str, language: str) -> Contact:
    """Checks typed contact data; raises Refused naming the first field that is wrong."""
    try:
        clean_name = clean_text(name, max_length=NAME_LIMIT)
    except InputError as exc:
        raise Refused(f"web.customer.err.name_{exc.reason}") from None
    try:
        clean_phone = normalize_phone(phone)
    except InputError:
        raise Refused("web.customer.err.phone") from None
    if language not in LANGUAGES:
        raise Refused("web.customer.err.language")
    return Contact(
        name=clean_name,
        phone=clean_phone,
        company=_optional(company, COMPANY_LIMIT, "company"),
        address=_optional(address, ADDRESS_LIMIT, "address"),
        language=language,
    )


def _open(customer: Customer) -> None:
    """Refuses changes to a customer whose data was erased on request."""
    if customer.forgotten_at is not None:
        raise Refused("web.customer.err.forgotten")


async def _record(
    session: AsyncSession, customer: Customer, *, staff_id: int | None, now: datetime,
    action: str, detail: str | None = None,
) -> None:  # fmt: skip
    """Adds the change to the customer's record (staff on the dashboard, else the terminal)."""
    await customer_file.add_change(
        session, customer_id=customer.id, at=now, actor="staff" if staff_id else "cli",
        staff_id=staff_id, action=action, detail=detail,
    )  # fmt: skip


async def edit_contact(
    session: AsyncSession, *, customer: Customer, contact: Contact, staff_id: int | None,
    now: datetime,
) -> list[str]:  # fmt: skip
    """Stores new contact data; returns the names of the fields that changed."""
    _open(customer)
    wanted = {
        "name": contact.name,
        "phone": contact.phone,
        "company": contact.company,
        "address": contact.address,
        "language": contact.language,
    }
    changed = [field for field, value in wanted.items() if getattr(customer, field) != value]
    for field in changed:
        setattr(customer, field, wanted[field])
    if changed:
        await _record(
            session, customer, staff_id=staff_id, now=now, action="contact",
            detail=",".join(changed),
        )  # fmt: skip
        logger.info("customer %s contact data changed: %s", customer.id, ",".join(changed))
    return changed


async def set_key(
    session: AsyncSession, *, customer: Customer, key: bool, staff_id: int | None,
    now: datetime,
) -> bool:  # fmt: skip
    """Marks or unmarks a key customer (return visits every cycle); True if it changed.

    Unmarking also forgets the planned visit, so marking the customer again starts a new cycle
    (the return-visit job plans the first visit one cycle after it sees the flag).
    """
    _open(customer)
    if customer.is_key == key:
        return False
    customer.is_key = key
    if not key:
        customer.next_return_visit_at = None
    await _record(session, customer, staff_id=staff_id, now=now,
                  action="key_on" if key else "key_off")  # fmt: skip
    logger.info("customer %s is %s a key customer", customer.id, "now" if key else "no longer")
    return True


async def set_region(
    session: AsyncSession, *, customer: Customer, region: str | None, staff_id: int | None,
    now: datetime,
) -> bool:  # fmt: skip
    """Sets or (None, blank) clears the region dispatch matches; True if it changed."""
    _open(customer)
    cleaned = _optional(region or "", REGION_LIMIT, "region")
    if customer.region == cleaned:
        return False
    customer.region = cleaned
    await _record(session, customer, staff_id=staff_id, now=now, action="region", detail=cleaned)
    return True


async def set_note(
    session: AsyncSession, *, customer: Customer, note: str, staff_id: int | None,
    now: datetime,
) -> bool:  # fmt: skip
    """Replaces (blank: removes) the desk's note on the customer; True if it changed."""
    _open(customer)
    cleaned = _optional(note, NOTE_LIMIT, "note")
    if customer.notes == cleaned:
        return False
    customer.notes = cleaned
    await _record(session, customer, staff_id=staff_id, now=now, action="note")
    return True
