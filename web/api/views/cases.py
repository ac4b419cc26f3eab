"""Cases: the register's list and detail, requests from other channels, the desk's actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import CaseKind
from services import integrations
from services.desk import DeskRoute
from services.integrations import ChannelRequest, Refused
from storage.models import Case, Customer
from storage.repos import api as api_rows
from storage.repos import cases as case_rows
from web.api.calls import ApiError, Call, split_page
from web.api.models import (
    AssignBody,
    CaseCreate,
    CaseDetail,
    CaseListQuery,
    CaseOut,
    CasePage,
    CasePath,
    CloseBody,
    EventOut,
    NoteBody,
    Written,
)
from web.deps import WebDeps


def page(rows: list[Case], limit: int) -> CasePage:
    """A page of cases and the cursor of the next one."""
    shown, cursor = split_page(rows, limit, lambda case: case.id)
    return CasePage(items=[CaseOut.model_validate(c) for c in shown], next_cursor=cursor)


async def detail(session: AsyncSession, case: Case) -> CaseDetail:
    """A case with its timeline."""
    events = await case_rows.events_of(session, case_id=case.id)
    return CaseDetail.model_validate(
        {
            **CaseOut.model_validate(case).model_dump(),
            "timeline": [EventOut.model_validate(e) for e in events],
        }
    )


def refusal(refused: Refused) -> ApiError:
    """A use case's refusal as an API error (409 for the case's state, 422 for input)."""
    if refused.code == "conflict":
        return ApiError(409, "conflict", refused.reason)
    return ApiError(422, "validation", refused.reason, field=f"body.{refused.field}")


async def list_cases(call: Call) -> CasePage:
    """Lists cases, newest first, by status, kind, customer, channel and creation time."""
    query = call.take(call.query, CaseListQuery)
    where = api_rows.CaseQuery(
        status=query.status,
        kind=query.kind,
        customer_id=query.customer_id,
        channel=query.channel,
        created_from=query.created_from,
        created_to=query.created_to,
        before_id=query.before_id,
        limit=query.limit,
    )
    async with call.deps.reads() as session:
        rows = await api_rows.page_of_cases(session, where=where)
    return page(rows, query.limit)


async def get_case(call: Call) -> CaseDetail:
    """One case with its timeline."""
    case_id = call.take(call.path, CasePath).case_id
    async with call.deps.reads() as session:
        case = await case_rows.get_case(session, case_id=case_id)
        if case is None:
            raise ApiError(404, "not_found", "No case with this id.")
        return await detail(session, case)


def _desk(deps: WebDeps) -> DeskRoute:
    """Where desk notices go, from the settings (as for cases opened in chat)."""
    settings = deps.settings
    return DeskRoute(settings.desk_chat_id, settings.default_language, settings.auto_assign)


async def create_case(call: Call) -> Written:
    """Registers a request from another channel; it gets its number, clocks and desk notice."""
    body = call.take(call.body, CaseCreate)
    deps = call.deps
    request = ChannelRequest(
        kind=CaseKind(body.kind),
        description=body.description,
        channel=body.channel,
        product_serial=body.product_serial,
        address=body.address,
        onsite_due_at=body.onsite_due_at,
    )
    async with deps.sessions() as session, session.begin():
        customer = await session.get(Customer, body.customer_id)
        if customer is None or customer.forgotten_at is not None:
            raise ApiError(422, "validation", "no customer with this id", "body.customer_id")
        try:
            case = await integrations.register(
                session, customer=customer, request=request, by=call.caller.label,
                now=deps.clock.now(), policy=deps.policy, desk=_desk(deps),
            )  # fmt: skip
        except Refused as refused:
            raise refusal(refused) from None
        written = Written(case=await detail(session, case))
    deps.after_change()
    return written


Action = Callable[[AsyncSession, Case], Awaitable[None]]


async def _write(call: Call, action: Action) -> Written:
    """Runs a desk action on the path's case in one transaction; wakes the outbox after."""
    case_id = call.take(call.path, CasePath).case_id
    deps = call.deps
    async with deps.sessions() as session, session.begin():
        case = await case_rows.lock_case(session, case_id=case_id)
        if case is None:
            raise ApiError(404, "not_found", "No case with this id.")
        try:
            await action(session, case)
        except Refused as refused:
            raise refusal(refused) from None
        written = Written(case=await detail(session, case))
    deps.after_change()
    return written


async def assign_case(call: Call) -> Written:
    """Assigns or reassigns a technician, as the desk does in chat."""
    body, deps = call.take(call.body, AssignBody), call.deps
    return await _write(
        call,
        lambda session, case: integrations.assign(
            session, case=case, technician_id=body.technician_id, reason=body.reason,
            by=call.caller.label, now=deps.clock.now(), policy=deps.policy,
        ),
    )  # fmt: skip


async def add_note(call: Call) -> Written:
    """Adds a note to the case's timeline."""
    body, deps = call.take(call.body, NoteBody), call.deps
    return await _write(
        call,
        lambda session, case: integrations.add_note(
            session, case=case, text=body.text, by=call.caller.label, now=deps.clock.now()
        ),
    )


async def close_case(call: Call) -> Written:
    """Closes a resolved case (the customer's survey follows, as after any closure)."""
    body, deps = call.take(call.body, CloseBody), call.deps
    return await _write(
        call,
        lambda session, case: integrations.close(
            session, case=case, note=body.note, by=call.caller.label,
            now=deps.clock.now(), policy=deps.policy,
        ),
    )  # fmt: skip
