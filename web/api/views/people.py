"""Customers (the CRM's side), products (the ERP's sync) and technicians with their load."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.product_import import RowError, parse_row
from domain.validation import InputError, normalize_serial
from storage.models import Customer
from storage.repos import api as api_rows
from storage.repos import dashboard as web_store
from storage.repos import products
from web.api.calls import ApiError, Call
from web.api.models import (
    CasePage,
    CustomerCasesQuery,
    CustomerCreate,
    CustomerList,
    CustomerOut,
    CustomerPath,
    CustomerQuery,
    CustomerUpdate,
    FieldProblem,
    ProductBatch,
    ProductBatchResult,
    ProductIn,
    ProductOut,
    ProductPath,
)
from web.api.models_reads import TechnicianList, TechnicianOut
from web.api.views.cases import page

INVALID_LINES = "The product lines are not valid."


def customer_out(customer: Customer) -> CustomerOut:
    """A customer as the API shows it."""
    return CustomerOut.model_validate(
        {**customer.__dict__, "in_chat": customer.telegram_id is not None}
    )


async def find_customers(call: Call) -> CustomerList:
    """Customers with this phone number."""
    phone = call.take(call.query, CustomerQuery).phone
    async with call.deps.reads() as session:
        found = await api_rows.customers_by_phone(session, phone=phone)
    return CustomerList(items=[customer_out(c) for c in found])


async def _customer(call: Call, session: AsyncSession) -> Customer:
    """The customer of the path; 404 when unknown or forgotten."""
    customer_id = call.take(call.path, CustomerPath).customer_id
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.forgotten_at is not None:
        raise ApiError(404, "not_found", "No customer with this id.")
    return customer


async def get_customer(call: Call) -> CustomerOut:
    """One customer."""
    async with call.deps.reads() as session:
        return customer_out(await _customer(call, session))


async def create_customer(call: Call) -> CustomerOut:
    """Registers a customer from the CRM."""
    body = call.take(call.body, CustomerCreate)
    deps = call.deps
    try:
        async with deps.sessions() as session, session.begin():
            if body.telegram_id is not None and await api_rows.customer_by_telegram(
                session, telegram_id=body.telegram_id
            ):
                raise ApiError(409, "conflict", "A customer with this Telegram id exists.")
            customer = await api_rows.add_customer(
                session, name=body.name, phone=body.phone, company=body.company,
                region=body.region, language=body.language, telegram_id=body.telegram_id,
                now=deps.clock.now(),
            )  # fmt: skip
            customer.is_key = body.is_key
            return customer_out(customer)
    except IntegrityError:  # the same Telegram id registered at the same moment
        raise ApiError(409, "conflict", "A customer with this Telegram id exists.") from None


async def update_customer(call: Call) -> CustomerOut:
    """Changes the given fields of a customer."""
    body = call.take(call.body, CustomerUpdate)
    async with call.deps.sessions() as session, session.begin():
        customer = await _customer(call, session)
        for name in body.model_fields_set:
            value = getattr(body, name)
            if value is None and name in ("name", "language", "is_key"):
                raise ApiError(422, "validation", "may not be null", f"body.{name}")
            setattr(customer, name, value)
        await session.flush()
        return customer_out(customer)


async def cases_of_customer(call: Call) -> CasePage:
    """A customer's cases, newest first."""
    query = call.take(call.query, CustomerCasesQuery)
    async with call.deps.reads() as session:
        customer = await _customer(call, session)
        where = api_rows.CaseQuery(
            customer_id=customer.id,
            before_id=query.before_id,
            limit=query.limit,
        )
        rows = await api_rows.page_of_cases(session, where=where)
    return page(rows, query.limit)


def _raw(line: ProductIn, serial: str) -> dict[str, str | None]:
    """A product line as the CSV import reads it, so both are checked by the same rules."""
    values = line.model_dump(exclude={"serial"})
    raw = {key: value if value is None else str(value) for key, value in values.items()}
    return {**raw, "serial": serial}


def _product_problems(
    errors: list[RowError], prefix: str, serial_at: str | None = None
) -> list[FieldProblem]:
    """The import's refusals as API field problems (the serial may come from the path)."""
    return [
        FieldProblem(
            field=serial_at if serial_at and e.column == "serial" else f"{prefix}{e.column}",
            reason=e.problem,
        )
        for e in errors
    ]


async def get_product(call: Call) -> ProductOut:
    """A product of the register by serial."""
    try:
        serial = normalize_serial(call.take(call.path, ProductPath).serial)
    except InputError:  # no such serial can exist (and PostgreSQL refuses some characters)
        raise ApiError(404, "not_found", "No product with this serial.") from None
    async with call.deps.reads() as session:
        product = await products.get_product(session, serial=serial)
    if product is None:
        raise ApiError(404, "not_found", "No product with this serial.")
    return ProductOut.model_validate(product)


async def put_product(call: Call) -> ProductOut:
    """Creates or updates a product by serial (validated like the CSV import)."""
    serial = call.take(call.path, ProductPath).serial
    parsed = parse_row(_raw(call.take(call.body, ProductIn), serial), 1)
    if isinstance(parsed, list):
        raise ApiError(
            422,
            "validation",
            INVALID_LINES,
            detail=_product_problems(parsed, "body.", "path.serial"),
        )
    async with call.deps.sessions() as session, session.begin():
        await products.upsert_products(session, rows=[parsed], now=call.deps.clock.now())
        product = await products.get_product(session, serial=parsed["serial"])
        assert product is not None
        await session.refresh(product)
        return ProductOut.model_validate(product)


async def sync_products(call: Call) -> ProductBatchResult:
    """Upserts up to 500 products at once; one bad line refuses the whole batch."""
    batch = call.take(call.body, ProductBatch)
    good: list[dict[str, Any]] = []
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for index, line in enumerate(batch.products):
        parsed = parse_row(_raw(line, line.serial), index + 1)
        prefix = f"body.products.{index}."
        if isinstance(parsed, list):
            problems += _product_problems(parsed, prefix)
        elif parsed["serial"] in seen:
            problems.append(FieldProblem(field=f"{prefix}serial", reason="twice in the batch"))
        else:
            seen.add(parsed["serial"])
            good.append(parsed)
    if problems:
        raise ApiError(422, "validation", INVALID_LINES, detail=problems)
    async with call.deps.sessions() as session, session.begin():
        written = await products.upsert_products(session, rows=good, now=call.deps.clock.now())
    return ProductBatchResult(written=written)


async def list_technicians(call: Call) -> TechnicianList:
    """Every active technician with open jobs and this month's punctuality and fixes."""
    deps = call.deps
    now = deps.clock.now()
    first = now.astimezone(deps.settings.tz).date().replace(day=1)
    start = datetime.combine(first, time(), deps.settings.tz)
    async with deps.reads() as session:
        lines = await web_store.technician_lines(session, start=start, end=now)
    return TechnicianList(
        month=first.strftime("%Y-%m"),
        items=[
            TechnicianOut(
                id=line.staff.id,
                name=line.staff.name,
                regions=line.staff.region_list,
                skills=line.staff.skill_list,
                open_jobs=line.open_jobs,
                max_open_jobs=line.staff.max_open_jobs,
                visits_this_month=line.visits_due,
                on_time_this_month=line.on_time,
                closed_this_month=line.closed,
                first_time_fixed_this_month=line.first_time_fixed,
            )
            for line in lines
        ],
    )
