"""`/cases/new`: the desk registers a request that came by phone, letter, e-mail or a visit."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import datetime, time
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from core.i18n import LANGUAGES
from domain.lifecycle import CaseKind
from domain.parsing import parse_day, parse_id
from domain.validation import InputError, clean_text, normalize_phone, normalize_serial
from services import desk_intake
from services.staff import route_of
from storage.models import Customer, Staff
from storage.repos import api as api_rows
from storage.repos import people
from web.access import check_csrf, desk_viewer
from web.deps import deps_key
from web.render import render

logger = logging.getLogger(__name__)

KINDS = ("fault", "installation")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Invalid(Exception):
    """A form field that cannot be accepted; `key` is the catalog text saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def new_case_page(request: web.Request) -> web.Response:
    """The form, with the customers matching the search text if one was given."""
    desk_viewer(request)
    return await _form(request, {"q": request.query.get("q", "")}, None, 200)


def _search_text(raw: str) -> str:
    """The search text without control characters (PostgreSQL refuses a NUL), at most 100."""
    try:
        return clean_text(raw[:100], max_length=100)
    except InputError:
        return ""


async def _form(
    request: web.Request, values: dict[str, Any], error: str | None, status: int
) -> web.Response:
    """Renders the form with the values given so far and what is wrong, if anything."""
    deps = request.app[deps_key]
    query = _search_text(str(values.get("q", "")))
    matches: list[Customer] = []
    chosen: Customer | None = None
    async with deps.reads() as session:
        if query:
            matches = await people.search_customers(session, text=query)
        chosen_id = parse_id(str(values.get("customer", "")))
        if chosen_id is not None:
            chosen = await people.get_customer_by_id(session, customer_id=chosen_id)
    if chosen is not None and chosen not in matches:
        matches.insert(0, chosen)
    local = deps.clock.now().astimezone(deps.settings.tz)
    return render(
        request,
        "case_new.html",
        status=status,
        values=defaultdict(str, values),  # a field not given yet shows empty
        matches=matches,
        error=error,
        kinds=KINDS,
        channels=desk_intake.CHANNELS,
        languages=LANGUAGES,
        today=local.date().isoformat(),
    )


def _text(form: MultiDictProxy[Any], name: str, limit: int, *, required: bool) -> str | None:
    """A cleaned text field; None when optional and empty."""
    raw = str(form.get(name, ""))
    if not raw.strip() and not required:
        return None
    try:
        return clean_text(raw, max_length=limit)
    except InputError as exc:
        raise Invalid(f"web.intake.{name}_{exc.reason}") from None


def _deadline(form: MultiDictProxy[Any], request: web.Request) -> datetime:
    """The on-site deadline from its date and time fields, in the department's zone."""
    day = parse_day(str(form.get("due_date", "")))
    clock = CLOCK.match(str(form.get("due_time", "")))
    if day is None or clock is None:
        raise Invalid("web.intake.bad_deadline")
    tz = request.app[deps_key].settings.tz
    return datetime.combine(day, time(int(clock[1]), int(clock[2])), tz)


def _request(form: MultiDictProxy[Any], request: web.Request) -> desk_intake.DeskRequest:
    """The request part of the form, checked."""
    kind = str(form.get("kind", ""))
    if kind not in KINDS:
        raise Invalid("web.intake.bad_kind")
    channel = str(form.get("channel", ""))
    if channel not in desk_intake.CHANNELS:
        raise Invalid("intake.bad_channel")
    serial = str(form.get("serial", "")).strip()
    try:
        serial_value = normalize_serial(serial) if serial else None
    except InputError:
        raise Invalid("web.intake.bad_serial") from None
    return desk_intake.DeskRequest(
        kind=CaseKind(kind),
        description=_text(form, "description", 1000, required=True) or "",
        channel=channel,
        onsite_due_at=_deadline(form, request),
        address=_text(form, "address", 300, required=False),
        serial=serial_value,
        model=_text(form, "model", 60, required=False),
    )


async def _customer(session: Any, form: MultiDictProxy[Any], now: datetime) -> Customer:
    """The chosen customer, or a new one from the form's customer fields."""
    choice = str(form.get("customer", ""))
    if choice != "new":
        found_id = parse_id(choice)
        customer = await session.get(Customer, found_id) if found_id is not None else None
        if customer is None or customer.forgotten_at is not None:
            raise Invalid("web.intake.no_customer")
        return customer  # type: ignore[no-any-return]
    name = _text(form, "name", 100, required=True)
    try:
        phone = normalize_phone(str(form.get("phone", "")))
    except InputError:
        raise Invalid("web.intake.bad_phone") from None
    language = str(form.get("language", ""))
    if language not in LANGUAGES:
        raise Invalid("web.intake.bad_language")
    return await api_rows.add_customer(
        session, name=name or "", phone=phone,
        company=_text(form, "company", 120, required=False),
        region=None, language=language, telegram_id=None, now=now,
    )  # fmt: skip


async def create(request: web.Request) -> web.Response:
    """Opens the case and shows its page; a bad field re-shows the form saying what is wrong."""
    found = desk_viewer(request)
    form = await request.post()
    check_csrf(found, form.get("csrf"))
    deps = request.app[deps_key]
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    now = deps.clock.now()
    try:
        wanted = _request(form, request)
        async with deps.sessions() as session, session.begin():
            customer = await _customer(session, form, now)
            staff = await session.get(Staff, found.staff_id)
            assert staff is not None  # the viewer is an active staff member
            case = await desk_intake.register(
                session, customer=customer, request=wanted, staff=staff, now=now,
                policy=deps.policy, desk=route_of(deps.settings),
            )  # fmt: skip
            case_id = case.id
    except (Invalid, desk_intake.Refused) as problem:
        return await _form(request, values, problem.key, 400)
    logger.info("case registered from the dashboard by staff %s", found.staff_id)
    deps.after_change()
    raise web.HTTPFound(f"/cases/{case_id}")
