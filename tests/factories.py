"""Rows for tests, written straight to the database (append new factories at the end)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Actor, CaseKind
from domain.policy import ServicePolicy
from services import closing, dispatch, intake, jobs, quotes, reports
from services.intake import CaseDraft
from services.reports import QualityRoute, ReportDraft
from storage.models import Case, Customer, Product, Staff
from storage.repos import people


async def make_customer(
    session: AsyncSession,
    *,
    telegram_id: int,
    now: datetime,
    name: str = "Wang Wei",
    phone: str = "+8613800138000",
    language: str = "en",
) -> Customer:
    """A customer as /start registers one: name, phone, language (no region, not a key customer:
    only `aftersales customer region|key` sets those; see tests/world.py)."""
    customer = await people.ensure_customer(
        session, telegram_id=telegram_id, language=language, now=now
    )
    customer.name = name
    customer.phone = phone
    customer.registered_at = now
    await session.flush()
    return customer


async def make_staff(
    session: AsyncSession,
    *,
    telegram_id: int,
    roles: list[str],
    now: datetime,
    name: str = "Zhang San",
    language: str = "en",
    phone: str | None = None,
    regions: list[str] | None = None,
    skills: list[str] | None = None,
    max_open_jobs: int = 5,
) -> Staff:
    """A staff member as `aftersales staff add` makes one: only the details given."""
    return await people.add_staff(
        session,
        telegram_id=telegram_id,
        name=name,
        roles=roles,
        language=language,
        now=now,
        phone=phone,
        regions=regions,
        skills=skills,
        max_open_jobs=max_open_jobs,
    )


async def make_product(
    session: AsyncSession,
    *,
    serial: str,
    now: datetime,
    customer: Customer | None = None,
    model: str = "AC-9000",
    category: str = "hvac",
    warranty_end: date | None = None,
) -> Product:
    """A known product, in warranty for a year unless told otherwise."""
    product = Product(
        serial=serial,
        model=model,
        category=category,
        customer_id=customer.id if customer else None,
        purchase_date=now.date() - timedelta(days=30),
        warranty_end=warranty_end or (now.date() + timedelta(days=365)),
        verified=True,
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    await session.flush()
    return product


async def make_case(
    session: AsyncSession,
    *,
    customer: Customer,
    now: datetime,
    product: Product | None = None,
    kind: CaseKind = CaseKind.FAULT,
    onsite_in: timedelta = timedelta(hours=8),
    description: str = "The unit does not start; error E4.",
    policy: ServicePolicy | None = None,
    address: str = "88 Century Ave, Pudong",
    photos: list[tuple[str, str | None]] | None = None,
) -> Case:
    """A new case opened the way the report dialog opens it (photos as the customer sent them)."""
    return await intake.open_case(
        session,
        customer=customer,
        draft=CaseDraft(
            kind=kind,
            description=description,
            product_id=product.id if product else None,
            address=address,
            onsite_due_at=now + onsite_in,
            photos=photos or [],
        ),
        now=now,
        policy=policy or ServicePolicy(),
    )


JOB_STAGES = ("assigned", "accepted", "on_site", "quote_pending", "resolved", "closed")


async def make_job(
    session: AsyncSession,
    *,
    customer: Customer,
    technician: Staff,
    dispatcher: Staff,
    now: datetime,
    stage: str = "assigned",
    product: Product | None = None,
    kind: CaseKind = CaseKind.FAULT,
    description: str = "The unit does not start; error E4.",
    policy: ServicePolicy | None = None,
) -> Case:
    """A case taken to a technician's job stage by the use cases the bot's handlers call, with
    the arguments they pass (the dispatcher named, the customer confirming).

    assigned → accepted → on_site; quote_pending is an accepted job with a quote sent (the
    product should be out of warranty); resolved is an on-site job with a fixed report filed;
    closed is a resolved job the customer confirmed (the survey scheduled). Tests that can
    afford the chat build these through tests/world.py instead; this is for the bad-input
    suites, which need hundreds of them.
    """

    assert stage in JOB_STAGES, stage
    policy = policy or ServicePolicy()
    case = await make_case(
        session, customer=customer, now=now, product=product, kind=kind,
        description=description, policy=policy,
    )  # fmt: skip
    assignment = await dispatch.assign(
        session, case=case, technician=technician, by=dispatcher, actor=Actor.DESK, now=now,
        policy=policy,
    )  # fmt: skip
    if stage == "assigned":
        return case
    await jobs.accept(
        session, case=case, assignment=assignment, technician=technician, now=now, policy=policy
    )
    if stage == "quote_pending":
        await quotes.create_quote(
            session, case=case, by=technician, actor=Actor.TECHNICIAN,
            parts=[{"name": "Relay", "qty": 1, "unit_cents": 3550}], labour_cents=10_000,
            travel_cents=2_000, now=now, policy=policy,
        )  # fmt: skip
        return case
    if stage == "accepted":
        return case
    await jobs.check_in(
        session, case=case, technician=technician, latitude=31.2304, longitude=121.4737,
        now=now, policy=policy,
    )  # fmt: skip
    if stage in ("resolved", "closed"):
        report = await reports.file_report(
            session, case=case, technician=technician,
            draft=ReportDraft(
                work_done="Replaced the start relay.", parts=[], labour_hours=1.0,
                labour_cents=0, travel_cents=0, root_cause="wear", fixed=True,
            ),
            now=now, policy=policy, quality=QualityRoute(None, "en"),
        )  # fmt: skip
    if stage == "closed":
        await closing.confirm(
            session, case=case, report=report, customer=customer, now=now, policy=policy
        )
    await session.flush()
    return case
