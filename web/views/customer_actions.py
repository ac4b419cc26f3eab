"""What the desk changes on the customer page: key flag, region, contact data, note."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from services import customer_edits
from storage.models import Customer
from storage.repos import people
from web.access import Viewer, check_csrf, desk_viewer, path_id
from web.deps import deps_key
from web.views.customers import render_customer

logger = logging.getLogger(__name__)

Form = MultiDictProxy[Any]
# One change: applies the form to the customer at a moment, by a staff member; returns the
# notice to show, or raises customer_edits.Refused.
Change = Callable[[AsyncSession, Customer, Form, Viewer, datetime], Awaitable[str]]


def _text(value: object) -> str:
    """A form field as text ("" when missing or a file)."""
    return value if isinstance(value, str) else ""


async def _apply(request: web.Request, change: Change, *, form_name: str) -> web.Response:
    """Checks CSRF and role, applies one change in one transaction, then shows the page.

    A refused change rolls the whole transaction back and shows the page with what is wrong.
    """
    found = desk_viewer(request)  # dispatchers, supervisors and admins; technicians get 403
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    customer_id = path_id(request, "customer_id")
    deps = request.app[deps_key]
    try:
        async with deps.sessions() as session, session.begin():
            customer = await people.get_customer_by_id(session, customer_id=customer_id)
            if customer is None:
                raise web.HTTPNotFound()
            notice = await change(session, customer, form, found, deps.clock.now())
    except customer_edits.Refused as refused:
        typed = {name: _text(form.get(name)) for name in _TYPED[form_name]}
        return await render_customer(
            request, customer_id, status=400, error=refused.key, form=form_name, values=typed
        )
    logger.info("customer %s changed (%s) by staff %s", customer_id, notice, found.staff_id)
    raise web.HTTPFound(f"/customers/{customer_id}?notice={notice}#notice")


_TYPED = {
    "key": (),
    "region": ("region",),
    "contact": ("name", "phone", "company", "address", "language"),
    "note": ("note",),
}


async def _key(
    session: AsyncSession, customer: Customer, form: Form, found: Viewer, now: datetime
) -> str:
    """Marks (key=on) or unmarks (key=off) a key customer."""
    wanted = _text(form.get("key"))
    if wanted not in ("on", "off"):
        raise customer_edits.Refused("web.customer.err.key")
    changed = await customer_edits.set_key(
        session, customer=customer, key=wanted == "on", staff_id=found.staff_id,
        now=now,
    )  # fmt: skip
    return f"key_{wanted}" if changed else "unchanged"


async def _region(
    session: AsyncSession, customer: Customer, form: Form, found: Viewer, now: datetime
) -> str:
    """Sets the region, or clears it when blank."""
    changed = await customer_edits.set_region(
        session, customer=customer, region=_text(form.get("region")), staff_id=found.staff_id,
        now=now,
    )  # fmt: skip
    return "region" if changed else "unchanged"


async def _contact(
    session: AsyncSession, customer: Customer, form: Form, found: Viewer, now: datetime
) -> str:
    """Stores new contact data, all fields checked before any is changed."""
    contact = customer_edits.read_contact(
        name=_text(form.get("name")), phone=_text(form.get("phone")),
        company=_text(form.get("company")), address=_text(form.get("address")),
        language=_text(form.get("language")),
    )  # fmt: skip
    changed = await customer_edits.edit_contact(
        session, customer=customer, contact=contact, staff_id=found.staff_id,
        now=now,
    )  # fmt: skip
    return "contact" if changed else "unchanged"


async def _note(
    session: AsyncSession, customer: Customer, form: Form, found: Viewer, now: datetime
) -> str:
    """Replaces the note on the customer (blank removes it)."""
    changed = await customer_edits.set_note(
        session, customer=customer, note=_text(form.get("note")), staff_id=found.staff_id,
        now=now,
    )  # fmt: skip
    return "note" if changed else "unchanged"


async def key(request: web.Request) -> web.Response:
    """POST /customers/{id}/key: marks or unmarks a key customer."""
    return await _apply(request, _key, form_name="key")


async def region(request: web.Request) -> web.Response:
    """POST /customers/{id}/region: sets or clears the region."""
    return await _apply(request, _region, form_name="region")


async def contact(request: web.Request) -> web.Response:
    """POST /customers/{id}/contact: edits the contact data."""
    return await _apply(request, _contact, form_name="contact")


async def note(request: web.Request) -> web.Response:
    """POST /customers/{id}/note: replaces the desk's note."""
    return await _apply(request, _note, form_name="note")
