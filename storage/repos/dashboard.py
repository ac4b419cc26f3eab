"""Dashboard storage: one-time login links, web sessions, the board and the case page's parts.

Login and session tokens are stored as SHA-256 digests, so a copy of the database lets nobody in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Assignment,
    Case,
    Customer,
    LoginToken,
    Product,
    Quote,
    ServiceReport,
    Staff,
    Survey,
    SurveyAnswer,
    WebSession,
)
from storage.repos.first_time_fix import first_time_fixes
from storage.repos.rows import add as add_row

BOARD_STATUSES = ("new", "assigned", "accepted", "quote_pending", "on_site", "resolved")
OPEN_JOB_STATUSES = ("assigned", "accepted", "quote_pending", "on_site")


def digest(token: str) -> str:
    """The stored form of a secret token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_login_token(
    session: AsyncSession, *, staff_id: int, token: str, now: datetime, valid_for: timedelta
) -> LoginToken:
    """Stores a one-time login link for a staff member."""
    row = LoginToken(token=digest(token), staff_id=staff_id, expires_at=now + valid_for)
    return await add_row(session, row)


async def redeem_login_token(session: AsyncSession, *, token: str, now: datetime) -> Staff | None:
    """Uses a login link once; the active staff member it was for, or None."""
    result = await session.execute(
        update(LoginToken)
        .where(
            LoginToken.token == digest(token),
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(LoginToken.staff_id)
    )
    staff_id = result.scalar_one_or_none()
    if staff_id is None:
        return None
    staff = await session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


async def login_token_usable(session: AsyncSession, *, token: str, now: datetime) -> bool:
    """Whether a login link is unused and unexpired (without using it)."""
    row = await session.scalar(select(LoginToken).where(LoginToken.token == digest(token)))
    return row is not None and row.used_at is None and row.expires_at > now


async def open_web_session(
    session: AsyncSession,
    *,
    staff_id: int,
    token: str,
    csrf_token: str,
    now: datetime,
    valid_for: timedelta,
) -> WebSession:
    """Starts a dashboard session; expired sessions are swept on the way."""
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    row = WebSession(
        token=digest(token),
        staff_id=staff_id,
        csrf_token=csrf_token,
        created_at=now,
        expires_at=now + valid_for,
    )
    return await add_row(session, row)


async def session_staff(
    session: AsyncSession, *, token: str, now: datetime
) -> tuple[WebSession, Staff] | None:
    """The live session and its active staff member for a cookie value, or None."""
    row = await session.execute(
        select(WebSession, Staff)
        .join(Staff, Staff.id == WebSession.staff_id)
        .where(
            WebSession.token == digest(token),
            WebSession.expires_at > now,
            Staff.active.is_(True),
        )
    )
    found = row.first()
    return None if found is None else (found[0], found[1])


async def close_web_session(session: AsyncSession, *, token: str) -> None:
    """Ends a dashboard session (logout)."""
    await session.execute(delete(WebSession).where(WebSession.token == digest(token)))


async def end_web_access(session: AsyncSession, *, staff_id: int) -> None:
    """Ends every dashboard session and unused login link of a staff member (removed staff)."""
    await session.execute(delete(WebSession).where(WebSession.staff_id == staff_id))
    await session.execute(
        delete(LoginToken).where(LoginToken.staff_id == staff_id, LoginToken.used_at.is_(None))
    )


@dataclass(frozen=True)
class BoardFilter:
    """What the board is narrowed to."""

    region: str | None = None
    technician_id: int | None = None
    kind: str | None = None


@dataclass(frozen=True)
class BoardCase:
    """One card on the board."""

    case: Case
    customer_name: str | None
    company: str | None
    technician_name: str | None


async def board(session: AsyncSession, *, where: BoardFilter) -> list[BoardCase]:
    """Open cases with their customer and technician, oldest deadline first."""
    statement = (
        select(Case, Customer.name, Customer.company, Staff.name)
        .join(Customer, Customer.id == Case.customer_id)
        .outerjoin(Staff, Staff.id == Case.technician_id)
        .where(Case.status.in_(BOARD_STATUSES))
        .order_by(Case.response_due_at, Case.id)
    )
    if where.region:
        statement = statement.where(Case.region == where.region)
    if where.technician_id is not None:
        statement = statement.where(Case.technician_id == where.technician_id)
    if where.kind:
        statement = statement.where(Case.kind == where.kind)
    rows = await session.execute(statement)
    return [BoardCase(case, name, company, tech) for case, name, company, tech in rows]


async def regions(session: AsyncSession) -> list[str]:
    """Regions that open cases are in, for the board filter."""
    rows = await session.scalars(
        select(Case.region)
        .where(Case.region.is_not(None), Case.status.in_(BOARD_STATUSES))
        .distinct()
        .order_by(Case.region)
    )
    return [r for r in rows if r]


async def technicians(session: AsyncSession) -> list[Staff]:
    """Active staff holding the technician role."""
    rows = await session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.name))
    return [s for s in rows if "technician" in s.role_set]


@dataclass(frozen=True)
class CaseFile:
    """Everything the case page shows besides the timeline and photos."""

    case: Case
    customer: Customer
    product: Product | None
    technician: Staff | None
    assignments: list[tuple[Assignment, str, str | None]]
    quotes: list[Quote]
    reports: list[tuple[ServiceReport, str]]
    survey: Survey | None
    answers: list[SurveyAnswer]
    related: list[Case]


async def case_file(session: AsyncSession, *, case_id: int) -> CaseFile | None:
    """Loads a case with its people, product, assignments, quotes, reports, survey, links."""
    case = await session.get(Case, case_id)
    if case is None:
        return None
    customer = await session.get(Customer, case.customer_id)
    assert customer is not None
    product = await session.get(Product, case.product_id) if case.product_id else None
    technician = await session.get(Staff, case.technician_id) if case.technician_id else None
    names = {s.id: s.name for s in await session.scalars(select(Staff))}
    assignments = [
        (a, names.get(a.technician_id, "?"), names.get(a.assigned_by) if a.assigned_by else None)
        for a in await session.scalars(
            select(Assignment).where(Assignment.case_id == case.id).order_by(Assignment.id)
        )
    ]
    quotes = list(
        await session.scalars(select(Quote).where(Quote.case_id == case.id).order_by(Quote.id))
    )
    reports = [
        (r, names.get(r.technician_id, "?"))
        for r in await session.scalars(
            select(ServiceReport)
            .where(ServiceReport.case_id == case.id)
            .order_by(ServiceReport.id)
        )
    ]
    survey = await session.scalar(
        select(Survey).where(Survey.case_id == case.id).order_by(Survey.id.desc()).limit(1)
    )
    answers: list[SurveyAnswer] = []
    if survey is not None:
        answers = list(
            await session.scalars(
                select(SurveyAnswer)
                .where(SurveyAnswer.survey_id == survey.id)
                .order_by(SurveyAnswer.id)
            )
        )
    links = [Case.parent_id == case.id]
    if case.parent_id is not None:
        links.append(Case.id == case.parent_id)
    related = list(await session.scalars(select(Case).where(or_(*links)).order_by(Case.id)))
    return CaseFile(
        case, customer, product, technician, assignments, quotes, reports, survey, answers, related
    )


@dataclass(frozen=True)
class TechnicianLine:
    """One row of the technicians page."""

    staff: Staff
    open_jobs: int
    visits_due: int
    on_time: int
    closed: int  # closures counted for first-time fix (storage.repos.first_time_fix)
    first_time_fixed: int


async def technician_lines(
    session: AsyncSession, *, start: datetime, end: datetime
) -> list[TechnicianLine]:
    """Each technician's open jobs, and on-site punctuality and first-time fix in [start, end)."""
    open_jobs = {
        row[0]: row[1]
        for row in await session.execute(
            select(Case.technician_id, func.count())
            .where(Case.status.in_(OPEN_JOB_STATUSES))
            .group_by(Case.technician_id)
        )
    }
    arrived = await session.execute(
        select(Case.technician_id, Case.arrived_at, Case.onsite_due_at).where(
            Case.arrived_at >= start, Case.arrived_at < end
        )
    )
    visits: dict[int | None, list[bool]] = {}
    for tech, arrived_at, due in arrived:
        punctual = due is None or (arrived_at is not None and arrived_at <= due)
        visits.setdefault(tech, []).append(punctual)
    # The report's definition (storage.repos.first_time_fix), not a count of its own.
    fixes = await first_time_fixes(session, start=start, end=end, group=Case.technician_id)
    return [
        TechnicianLine(
            staff=tech,
            open_jobs=int(open_jobs.get(tech.id, 0)),
            visits_due=len(visits.get(tech.id, [])),
            on_time=sum(visits.get(tech.id, [])),
            closed=fixes[tech.id].counted if tech.id in fixes else 0,
            first_time_fixed=fixes[tech.id].fixed if tech.id in fixes else 0,
        )
        for tech in await technicians(session)
    ]


async def surveys_of(
    session: AsyncSession, *, case_id: int
) -> list[tuple[Survey, list[SurveyAnswer]]]:
    """Every survey of a case (one per repair round), oldest first, with its answers."""
    surveys = list(
        await session.scalars(select(Survey).where(Survey.case_id == case_id).order_by(Survey.id))
    )
    answers: dict[int, list[SurveyAnswer]] = {s.id: [] for s in surveys}
    if surveys:
        for answer in await session.scalars(
            select(SurveyAnswer)
            .where(SurveyAnswer.survey_id.in_(answers))
            .order_by(SurveyAnswer.id)
        ):
            answers[answer.survey_id].append(answer)
    return [(s, answers[s.id]) for s in surveys]
