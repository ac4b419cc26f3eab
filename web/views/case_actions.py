"""The desk's actions on the case page: close, reopen, cancel, a new on-site deadline, an internal
note, a message to the customer, the warranty verified. Each POST checks CSRF and role, runs in
one transaction (a refusal rolls it back whole) and comes back to the page with a notice."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Actor, CaseStatus, IllegalTransition
from domain.parsing import parse_day
from domain.sla import parse_local_datetime
from domain.validation import InputError, clean_text
from domain.warranty import Warranty
from services import closing, desk, desk_actions
from services.desk_actions import ActionRefused
from services.staff import route_of
from storage.models import Case, Customer, Product, Staff
from storage.repos import cases as case_rows
from storage.repos import products
from storage.repos.dashboard import CaseFile
from web.access import Refused, Viewer, check_csrf, path_id, viewer
from web.deps import deps_key

logger = logging.getLogger(__name__)

REASON_LIMIT = 500
# A browser may send a datetime-local value with seconds ("2026-11-25T10:00:00"): dropped.
_SECONDS = re.compile(r"(?<=T\d\d:\d\d):\d\d(?:\.\d+)?$")
TEXT_LIMIT = 2000
# Every notice a redirect may name (anything else in the URL is ignored).
NOTICES = frozenset(
    {
        "closed", "reopened", "cancelled", "deadline_changed", "noted", "sent",
        "warranty_verified", "cannot_close", "cannot_reopen", "cannot_cancel",
        "cannot_change_deadline", "deadline_past", "deadline_too_far", "deadline_same",
        "bad_deadline", "reason_missing", "reason_too_long", "text_missing", "text_too_long",
        "no_chat", "warranty_verified_already", "warranty_case_ended", "warranty_date_mismatch",
        "warranty_bad_date", "bad_warranty", "no_product",
    }
)  # fmt: skip
SUCCESS = frozenset(
    {"closed", "reopened", "cancelled", "deadline_changed", "noted", "sent", "warranty_verified"}
)

Work = Callable[[AsyncSession, Case, Staff, MultiDictProxy[Any]], Awaitable[str]]


def actor_of(found: Viewer) -> Actor:
    """The lifecycle actor a desk member acts as (dispatchers and admins are the desk)."""
    return Actor.DESK if found.roles & {"dispatcher", "admin"} else Actor.SUPERVISOR


def page_context(
    found: Viewer, file: CaseFile, now: datetime, request: web.Request
) -> dict[str, Any]:
    """What the actions' include needs: which forms apply, their defaults, the notice."""
    case, customer, product = file.case, file.customer, file.product
    status = CaseStatus(case.status)
    tz = request.app[deps_key].policy.tz
    due = case.onsite_due_at.astimezone(tz) if case.onsite_due_at else None
    done = request.query.get("done")
    return {
        "act": {
            "desk": found.desk,
            "close": status == CaseStatus.RESOLVED,
            "reopen": desk_actions.may_reopen(case),
            "cancel": desk_actions.may_cancel(case),
            "deadline": desk_actions.may_change_deadline(case),
            "deadline_value": due.strftime("%Y-%m-%dT%H:%M") if due else "",
            "deadline_min": now.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
            "message": _reachable(customer),
            "warranty": product is not None
            and case.warranty == Warranty.UNVERIFIED
            and status not in (CaseStatus.CLOSED, CaseStatus.CANCELLED),
            "warranty_end": product.warranty_end.isoformat()
            if product is not None and product.warranty_end
            else "",
        },
        "action_notice": done if done in NOTICES else None,
        "action_ok": done in SUCCESS,
    }


def _reachable(customer: Customer) -> bool:
    """Whether the customer has a chat the desk can write to."""
    return customer.telegram_id is not None and customer.forgotten_at is None


def _text(form: MultiDictProxy[Any], name: str, limit: int, missing: str, long: str) -> str:
    """A required text field, cleaned; a refusal names what is wrong."""
    try:
        return clean_text(str(form.get(name, "")), max_length=limit)
    except InputError as exc:
        raise ActionRefused(long if exc.reason == "too_long" else missing) from None


async def _act(request: web.Request, work: Work, *, illegal: str) -> web.Response:
    """Checks CSRF and role, runs the action in one transaction, redirects with its notice."""
    found = viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    if not found.desk:
        raise Refused("web.refused.role")
    deps = request.app[deps_key]
    case_id = path_id(request, "case_id")
    try:
        async with deps.sessions() as session, session.begin():
            case = await case_rows.lock_case(session, case_id=case_id)
            staff = await session.get(Staff, found.staff_id)
            if case is None or staff is None:
                raise web.HTTPNotFound()
            notice = await work(session, case, staff, form)
    except ActionRefused as refused:
        notice = refused.reason  # the transaction was rolled back: nothing half-saved
    except IllegalTransition:
        notice = illegal  # the status changed under the form (another tab, the customer)
    if notice in SUCCESS:
        deps.after_change()
        logger.info("case %s: %s from the dashboard by staff %s", case_id, notice, found.staff_id)
    raise web.HTTPFound(f"/cases/{case_id}?done={notice}#notice")


def _now(request: web.Request) -> datetime:
    """The injected clock's now."""
    return request.app[deps_key].clock.now()


async def close(request: web.Request) -> web.Response:
    """Closes a resolved case (the customer is told, the survey follows)."""
    deps = request.app[deps_key]
    actor = actor_of(viewer(request))

    async def work(session: AsyncSession, case: Case, staff: Staff, form: Any) -> str:
        if case.status != CaseStatus.RESOLVED:
            raise ActionRefused("cannot_close")
        raw = str(form.get("note", ""))
        note = _text(form, "note", REASON_LIMIT, "", "reason_too_long") if raw.strip() else None
        await closing.desk_close(
            session, case=case, staff=staff, actor=actor, note=note, now=_now(request),
            policy=deps.policy,
        )  # fmt: skip
        return "closed"

    return await _act(request, work, illegal="cannot_close")


async def reopen(request: web.Request) -> web.Response:
    """Reopens a closed case with a reason: a new round of work from the queue."""
    deps = request.app[deps_key]
    actor = actor_of(viewer(request))

    async def work(session: AsyncSession, case: Case, staff: Staff, form: Any) -> str:
        reason = _text(form, "reason", REASON_LIMIT, "reason_missing", "reason_too_long")
        await desk_actions.reopen(
            session, case=case, staff=staff, actor=actor, reason=reason, now=_now(request),
            policy=deps.policy, route=route_of(deps.settings),
        )  # fmt: skip
        return "reopened"

    return await _act(request, work, illegal="cannot_reopen")


async def cancel(request: web.Request) -> web.Response:
    """Cancels a case before the visit, with a reason the customer and technician are given."""
    actor = actor_of(viewer(request))

    async def work(session: AsyncSession, case: Case, staff: Staff, form: Any) -> str:
        reason = _text(form, "reason", REASON_LIMIT, "reason_missing", "reason_too_long")
        await desk_actions.cancel(
            session, case=case, staff=staff, actor=actor, reason=reason, now=_now(request)
        )
        return "cancelled"

    return await _act(request, work, illegal="cannot_cancel")


async def deadline(request: web.Request) -> web.Response:
    """Sets a new on-site deadline (local time of the department)."""
    deps = request.app[deps_key]
    actor = actor_of(viewer(request))

    async def work(session: AsyncSession, case: Case, staff: Staff, form: Any) -> str:
        now = _now(request)
        typed = _SECONDS.sub("", str(form.get("deadline", ""))[:40])
        chosen = parse_local_datetime(typed, now, deps.policy.tz)
        if chosen is None:
            raise ActionRefused("bad_deadline")
        await desk_actions.change_deadline(
            session, case=case, staff=staff, actor=actor, deadline=chosen, now=now,
            policy=deps.policy,
        )  # fmt: skip
        return "deadline_changed"

    return await _act(request, work, illegal="cannot_change_deadline")


async def note(request: web.Request) -> web.Response:
    """Adds an internal note to the timeline."""
    actor = actor_of(viewer(request))

    async def work(session: AsyncSession, case: Case, staff: Staff, form: Any) -> str:
        text = _text(form, "text", TEXT_LIMIT, "text_missing", "text_too_long")
        await desk_actions.add_note(
            session, case=case, staff=staff, actor=actor, text=text, now=_now(request)
        )
        return "noted"

    return await _act(request, work, illegal="noted")


async def message(request: web.Request) -> web.Response:
    """Writes to the customer through the outbox (the first one stops the response clock)."""
    actor = actor_of(viewer(request))

    async def work(session: AsyncSession, case: Case, staff: Staff, form: Any) -> str:
        text = _text(form, "text", TEXT_LIMIT, "text_missing", "text_too_long")
        customer = await session.get(Customer, case.customer_id)
        if customer is None or not _reachable(customer):
            raise ActionRefused("no_chat")
        await desk.reply_to_customer(
            session, case=case, staff=staff, actor=actor, text=text, now=_now(request)
        )
        return "sent"

    return await _act(request, work, illegal="sent")


def _warranty_choice(form: MultiDictProxy[Any]) -> tuple[bool, date]:
    """In or out of warranty, and the warranty's last day, from the form."""
    result = str(form.get("result", ""))
    if result not in (Warranty.IN, Warranty.OUT):
        raise ActionRefused("bad_warranty")
    end = parse_day(str(form.get("warranty_end", ""))[:20])
    if end is None:
        raise ActionRefused("warranty_bad_date")
    return result == Warranty.IN, end


async def warranty(request: web.Request) -> web.Response:
    """Records the verified warranty of the case's product."""
    deps = request.app[deps_key]
    actor = actor_of(viewer(request))

    async def work(session: AsyncSession, case: Case, staff: Staff, form: Any) -> str:
        in_warranty, end = _warranty_choice(form)
        product: Product | None = (
            await products.get_product_by_id(session, product_id=case.product_id)
            if case.product_id
            else None
        )
        if product is None:
            raise ActionRefused("no_product")
        await desk_actions.verify_warranty(
            session, case=case, product=product, staff=staff, actor=actor,
            in_warranty=in_warranty, warranty_end=end, now=_now(request), policy=deps.policy,
        )  # fmt: skip
        return "warranty_verified"

    return await _act(request, work, illegal="warranty_case_ended")


# The POST routes, by the last part of their path (/cases/{id}/<action>).
ACTIONS: dict[str, Callable[[web.Request], Awaitable[web.Response]]] = {
    "close": close,
    "reopen": reopen,
    "cancel": cancel,
    "deadline": deadline,
    "note": note,
    "message": message,
    "warranty": warranty,
}
