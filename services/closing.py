"""Closing a case: the customer confirms or disputes, the 48 h autoclose, the desk's close,
and what every closure does (the stamp, first-time fix, the survey)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Message
from domain.event_data import Because, Why
from domain.lifecycle import Action, Actor
from domain.policy import ServicePolicy
from services import feedback, notify, workflow
from services.desk import DeskRoute
from services.dispatch import announce_new_case, end_assignment
from storage.models import Case, Customer, ServiceReport, Staff
from storage.repos import people
from storage.repos import reports as report_rows


async def close_case(
    session: AsyncSession, *, case: Case, now: datetime, policy: ServicePolicy, reason: str
) -> None:
    """Stamps a case that just moved to closed and schedules its survey (once per case)."""
    case.closed_at = now
    case.close_reason = reason
    if reason == "quote_declined":
        case.first_time_fix = None  # nothing was repaired: not counted either way
    else:
        case.first_time_fix = case.visits == 1 and not case.is_repeat
    await feedback.schedule_survey(session, case=case, now=now, policy=policy)


async def _tell_technician(
    session: AsyncSession, *, case: Case, key: str, dedupe: str, now: datetime
) -> None:
    """A short notice about the case to its technician (the last one who reported)."""
    report = await report_rows.latest_report(session, case_id=case.id)
    tech_id = case.technician_id or (report.technician_id if report else None)
    tech = await people.get_staff_by_id(session, staff_id=tech_id) if tech_id else None
    if tech is not None:
        await notify.to_staff(
            session, staff=tech, message=Message(key, {"number": case.number}), key=dedupe,
            now=now, case=case,
        )  # fmt: skip


async def confirm(
    session: AsyncSession,
    *,
    case: Case,
    report: ServiceReport,
    customer: Customer,
    now: datetime,
    policy: ServicePolicy,
    signature_png: bytes | None = None,
    signed_by: int | None = None,
) -> None:
    """The customer confirms the work (a button in chat, or signing on site): the case closes."""
    signed = signature_png is not None
    await workflow.move(
        session, case=case, action=Action.CLOSE, actor=Actor.CUSTOMER,
        actor_id=signed_by if signed else customer.telegram_id, now=now,
        data=Because(why=Why.SIGNED if signed else Why.CONFIRMED),
    )  # fmt: skip
    report.confirmation = "signed" if signed else "confirmed"
    report.signature_png = signature_png
    report.confirmed_at = now
    await close_case(session, case=case, now=now, policy=policy, reason="confirmed")
    await end_assignment(
        session, case=case, now=now, reason="closed", tell_technician=False, release=False
    )
    await _tell_technician(
        session, case=case, key="tech.customer_confirmed", dedupe=f"confirmed:{report.id}", now=now
    )
    await notify.to_customer(
        session,
        case=case,
        message=Message("sheet.copy", {"number": case.number}, document=f"report:{report.id}"),
        key=f"report-copy:{report.id}",
        now=now,
    )


async def dispute(
    session: AsyncSession,
    *,
    case: Case,
    report: ServiceReport,
    customer: Customer,
    text: str,
    now: datetime,
    policy: ServicePolicy,
    route: DeskRoute | None,
) -> None:
    """The customer disputes the report: the case is reopened and goes back to the desk."""
    report.confirmation = "disputed"
    report.dispute_text = text
    await _tell_technician(
        session, case=case, key="tech.customer_disputed", dedupe=f"disputed:{report.id}", now=now
    )
    await workflow.reopen(
        session,
        case=case,
        actor=Actor.CUSTOMER,
        actor_id=customer.telegram_id,
        now=now,
        policy=policy,
        note=text,
        data=Because(why=Why.DISPUTED),
    )
    await end_assignment(session, case=case, now=now, reason="disputed", tell_technician=False)
    await announce_new_case(session, case=case, now=now, route=route)


async def autoclose(
    session: AsyncSession, *, case: Case, now: datetime, policy: ServicePolicy
) -> None:
    """Closes a resolved case the customer did not answer about."""
    await workflow.move(
        session, case=case, action=Action.CLOSE, actor=Actor.SYSTEM, actor_id=None, now=now,
        data=Because(why=Why.AUTOCLOSED),
    )  # fmt: skip
    report = await report_rows.latest_report(session, case_id=case.id)
    if report is not None and report.confirmation == "pending":
        report.confirmation = "auto"
    await close_case(session, case=case, now=now, policy=policy, reason="auto")
    await end_assignment(
        session, case=case, now=now, reason="closed", tell_technician=False, release=False
    )
    await notify.to_customer(
        session,
        case=case,
        message=Message("tech.autoclosed", {"number": case.number}),
        key=f"autoclosed:{case.id}:{case.visits}",
        now=now,
    )


async def desk_close(
    session: AsyncSession,
    *,
    case: Case,
    staff: Staff | None,
    actor: Actor,
    note: str | None,
    now: datetime,
    policy: ServicePolicy,
) -> None:
    """The desk closes a resolved case (staff None: an integration, named in the note)."""
    await workflow.move(
        session, case=case, action=Action.CLOSE, actor=actor,
        actor_id=staff.telegram_id if staff else None,
        now=now, note=note,
    )  # fmt: skip
    await close_case(session, case=case, now=now, policy=policy, reason="desk")
    await end_assignment(
        session, case=case, now=now, reason="closed", tell_technician=False, release=False
    )
    await notify.to_customer(
        session,
        case=case,
        message=Message("desk.closed_for_customer", {"number": case.number}),
        key=f"deskclosed:{case.id}:{case.visits}",
        now=now,
    )
