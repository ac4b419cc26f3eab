"""Customers, staff and invitations."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Customer, Staff, StaffAudit, StaffInvite
from storage.repos.rows import add as add_row

STAFF_ROLES = ("technician", "dispatcher", "supervisor", "admin")
OPEN_JOB_STATUSES = ("assigned", "accepted", "quote_pending", "on_site")


async def get_customer(session: AsyncSession, *, telegram_id: int) -> Customer | None:
    """The customer with this Telegram id, if any."""
    return await session.scalar(_CUSTOMER, {"telegram_id": telegram_id})


# Looked up on nearly every update: built once (bench: throughput).
_CUSTOMER = select(Customer).where(Customer.telegram_id == bindparam("telegram_id"))
_STAFF = select(Staff).where(Staff.telegram_id == bindparam("telegram_id"), Staff.active.is_(True))


async def get_customer_by_id(session: AsyncSession, *, customer_id: int) -> Customer | None:
    """A customer by primary key."""
    return await session.get(Customer, customer_id)


async def unlinked_customer(session: AsyncSession, *, phone: str) -> Customer | None:
    """The oldest customer with this phone (E.164) not yet linked to a Telegram chat."""
    return await session.scalar(
        select(Customer)
        .where(Customer.phone == phone, Customer.telegram_id.is_(None))
        .order_by(Customer.id)
        .limit(1)
    )


async def ensure_customer(
    session: AsyncSession, *, telegram_id: int, language: str, now: datetime
) -> Customer:
    """Returns the customer row for a Telegram user, creating an unregistered one if new."""
    customer = await get_customer(session, telegram_id=telegram_id)
    if customer is None:
        customer = Customer(telegram_id=telegram_id, language=language, created_at=now)
        session.add(customer)
        await session.flush()
    return customer


async def get_staff(session: AsyncSession, *, telegram_id: int) -> Staff | None:
    """The active staff member with this Telegram id, if any."""
    return await session.scalar(_STAFF, {"telegram_id": telegram_id})


async def staff_by_telegram_id(session: AsyncSession, *, telegram_id: int) -> Staff | None:
    """The staff member with this Telegram id, active or not."""
    return await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id))


async def get_staff_by_id(session: AsyncSession, *, staff_id: int) -> Staff | None:
    """A staff member by primary key."""
    return await session.get(Staff, staff_id)


async def staff_with_role(session: AsyncSession, *, role: str) -> list[Staff]:
    """All active staff holding a role."""
    rows = await session.scalars(_ACTIVE_STAFF)
    return [s for s in rows if role in s.role_set]


# Asked on every new case (who is on the desk): built once.
_ACTIVE_STAFF = select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)


async def add_staff(
    session: AsyncSession,
    *,
    telegram_id: int,
    name: str,
    roles: list[str],
    language: str,
    now: datetime,
    phone: str | None = None,
    regions: list[str] | None = None,
    skills: list[str] | None = None,
    max_open_jobs: int = 5,
) -> Staff:
    """Creates a staff member, or adds roles and details to an existing one."""
    for role in roles:
        if role not in STAFF_ROLES:
            raise ValueError(f"unknown role {role}")
    staff = await staff_by_telegram_id(session, telegram_id=telegram_id)
    if staff is None:
        staff = Staff(
            telegram_id=telegram_id, name=name, language=language, roles="", created_at=now
        )
        session.add(staff)
    staff.name = name or staff.name
    staff.active = True
    staff.roles = ",".join(sorted(staff.role_set | set(roles)))
    if phone is not None:
        staff.phone = phone
    if regions is not None:
        staff.regions = ",".join(r.strip() for r in regions if r.strip())
    if skills is not None:
        staff.skills = ",".join(s.strip() for s in skills if s.strip())
    staff.max_open_jobs = max_open_jobs
    await session.flush()
    return staff


async def list_staff(session: AsyncSession) -> list[Staff]:
    """Every staff member, active first."""
    rows = await session.scalars(select(Staff).order_by(Staff.active.desc(), Staff.id))
    return list(rows)


async def open_job_counts(session: AsyncSession) -> dict[int, int]:
    """How many open jobs each technician holds."""
    rows = await session.execute(
        select(Case.technician_id, func.count())
        .where(Case.technician_id.is_not(None), Case.status.in_(OPEN_JOB_STATUSES))
        .group_by(Case.technician_id)
    )
    return {int(tech): int(count) for tech, count in rows if tech is not None}


async def key_customers_due(session: AsyncSession, *, now: datetime) -> list[Customer]:
    """Key customers whose return visit is due (or who have none planned yet)."""
    rows = await session.scalars(
        select(Customer)
        .where(
            Customer.is_key.is_(True),
            Customer.forgotten_at.is_(None),
            or_(Customer.next_return_visit_at.is_(None), Customer.next_return_visit_at <= now),
        )
        .order_by(Customer.id)
    )
    return list(rows)


async def open_jobs_of(session: AsyncSession, *, staff_id: int) -> list[Case]:
    """The cases a technician holds that are not finished, oldest first."""
    rows = await session.scalars(
        select(Case)
        .where(Case.technician_id == staff_id, Case.status.in_(OPEN_JOB_STATUSES))
        .order_by(Case.id)
    )
    return list(rows)


def add_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    actor_name: str | None,
    subject_id: int,
    action: str,
    role: str,
) -> None:
    """Records one grant or removal of a staff role."""
    session.add(
        StaffAudit(
            at=at,
            actor=actor,
            actor_name=actor_name,
            subject_id=subject_id,
            action=action,
            role=role,
        )
    )


async def audit_log(session: AsyncSession, *, limit: int = 200) -> list[tuple[StaffAudit, Staff]]:
    """The newest grants and removals with the staff member each concerns."""
    rows = await session.execute(
        select(StaffAudit, Staff)
        .join(Staff, Staff.id == StaffAudit.subject_id)
        .order_by(StaffAudit.at.desc(), StaffAudit.id.desc())
        .limit(limit)
    )
    return [(audit, staff) for audit, staff in rows]


async def last_grant(session: AsyncSession, *, staff_id: int, role: str) -> StaffAudit | None:
    """The newest grant of a role to a staff member."""
    return await session.scalar(
        select(StaffAudit)
        .where(
            StaffAudit.subject_id == staff_id,
            StaffAudit.role == role,
            StaffAudit.action == "grant",
        )
        .order_by(StaffAudit.id.desc())
        .limit(1)
    )


async def create_invite(
    session: AsyncSession,
    *,
    token: str,
    role: str,
    now: datetime,
    created_by: int | None,
    valid_for: timedelta = timedelta(days=7),
) -> StaffInvite:
    """Stores a one-time staff invitation."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role}")
    invite = StaffInvite(
        token=token, role=role, created_at=now, expires_at=now + valid_for, created_by=created_by
    )
    return await add_row(session, invite)


async def redeem_invite(
    session: AsyncSession, *, token: str, telegram_id: int, now: datetime
) -> StaffInvite | None:
    """Marks an invitation used by this person; None if unknown, used or expired."""
    invite = await session.scalar(
        select(StaffInvite).where(StaffInvite.token == token).with_for_update()
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    invite.used_at = now
    invite.used_by = telegram_id
    await session.flush()
    return invite


async def customers_matching(
    session: AsyncSession, *, telegram_id: int | None, phone: str | None
) -> list[Customer]:
    """Customers with this Telegram id or this phone (E.164), in id order."""
    conditions = []
    if telegram_id is not None:
        conditions.append(Customer.telegram_id == telegram_id)
    if phone is not None:
        conditions.append(Customer.phone == phone)
    if not conditions:
        return []
    return list(
        await session.scalars(select(Customer).where(or_(*conditions)).order_by(Customer.id))
    )


async def search_customers(session: AsyncSession, *, text: str, limit: int = 20) -> list[Customer]:
    """Customers (not forgotten) whose phone, name or company contains the text."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = or_(
        Customer.phone.ilike(pattern, escape="\\"),
        Customer.name.ilike(pattern, escape="\\"),
        Customer.company.ilike(pattern, escape="\\"),
    )
    return list(
        await session.scalars(
            select(Customer)
            .where(matches, Customer.forgotten_at.is_(None))
            .order_by(Customer.name, Customer.id)
            .limit(limit)
        )
    )
