"""Service reports: filing one, the customer's confirmation or dispute, and closing the case."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import ConfirmReport, DisputeReport
from core.messages import Button, Message, at, money, term
from core.money import part_lines
from domain.event_data import ReportFiled
from domain.lifecycle import Action, Actor, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import confirm_clock
from domain.warranty import Charge, Warranty, charge_for
from services import notify, onsite, supplier_claims, workflow
from services.desk import case_card
from storage.models import Case, Customer, ServiceReport, Staff
from storage.repos import cases as case_rows
from storage.repos import outbox, quotes, reminders
from storage.repos import reports as report_rows

logger = logging.getLogger(__name__)

ROOT_CAUSES = (
    "manufacturing",
    "assembly",
    "material",
    "supplier",
    "installation",
    "misuse",
    "wear",
    "other",
)
CHECKLIST = ("commissioned", "tested", "trained", "handed_over")


@dataclass
class ReportDraft:
    """What the technician entered in the report dialog."""

    work_done: str
    parts: list[dict[str, Any]]
    labour_hours: float
    labour_cents: int
    travel_cents: int
    root_cause: str
    fixed: bool
    supplier_name: str | None = None
    major_quality: bool = False
    followup_due_at: datetime | None = None
    checklist: dict[str, bool] | None = field(default=None)
    # Photos of the finished work: (file_id, file_unique_id), kept as the technician's.
    photos: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class QualityRoute:
    """Where major quality problems are reported: the quality chat, else the supervisors."""

    chat_id: int | None
    language: str
    purchasing_chat_id: int | None = None


def signature_page(public_url: str | None, report_id: int) -> str | None:
    """The Mini App page where the customer signs, when Telegram can open it.

    Telegram opens Mini Apps over HTTPS only; a loopback URL is the sandbox, which opens them too.
    """
    if not public_url:
        return None
    base = public_url.rstrip("/")
    host = urlsplit(base).hostname or ""
    if base.startswith("https://") or host in ("127.0.0.1", "localhost", "::1"):
        return f"{base}/sign/{report_id}"
    return None


def _charge_note(charge: Charge) -> dict[str, Any] | str:
    """The line under the cost: the charge waits for the warranty check, or work beyond the
    approved quote is left uncharged (the customer sees the difference)."""
    if charge.pending:
        return term("tech.charge_pending")
    if charge.beyond_quote:
        return term("tech.charge_beyond_quote", extra=money(charge.beyond_quote))
    return ""


async def file_report(
    session: AsyncSession,
    *,
    case: Case,
    technician: Staff,
    draft: ReportDraft,
    now: datetime,
    policy: ServicePolicy,
    quality: QualityRoute,
    sign_base: str | None = None,
) -> ServiceReport:
    """Stores the report; fixed → the customer confirms, not fixed → a follow-up visit."""
    parts_cents = sum(int(p["qty"]) * int(p["unit_cents"]) for p in draft.parts)
    labour_cents = draft.labour_cents
    quote = await quotes.approved_quote(session, case_id=case.id)
    if quote is not None and not labour_cents:
        labour_cents = quote.labour_cents
    costs = parts_cents + labour_cents + draft.travel_cents
    charge = charge_for(Warranty(case.warranty), costs, quote.total_cents if quote else None)
    cost = charge.cents
    report = ServiceReport(
        case_id=case.id,
        technician_id=technician.id,
        filed_at=now,
        work_done=draft.work_done,
        parts=draft.parts,
        parts_cents=parts_cents,
        labour_hours=draft.labour_hours,
        labour_cents=labour_cents,
        travel_cents=draft.travel_cents,
        customer_cost_cents=cost,
        warranty=case.warranty,
        root_cause=draft.root_cause,
        supplier_name=draft.supplier_name,
        major_quality=draft.major_quality,
        fixed=draft.fixed,
        checklist=draft.checklist,
        confirmation="pending" if draft.fixed else "n/a",
    )
    case.visits += 1
    case.root_cause = draft.root_cause
    await report_rows.add_report(session, report=report)
    for file_id, unique_id in draft.photos:
        await case_rows.add_photo(
            session, case=case, file_id=file_id, file_unique_id=unique_id,
            added_by="technician", now=now,
        )  # fmt: skip
    filed = ReportFiled(report_id=report.id, root_cause=draft.root_cause)
    args: dict[str, Any] = {
        "number": case.number,
        "work": draft.work_done,
        "parts": part_lines(draft.parts),
        "cost": money(cost),
        # Why the charge is what it is: pending the warranty check, or capped by the quote.
        "charge_note": _charge_note(charge),
        "root_cause": term(f"tech.cause.{draft.root_cause}"),
    }
    if draft.fixed:
        await workflow.move(
            session, case=case, action=Action.REPORT_FIXED, actor=Actor.TECHNICIAN,
            actor_id=technician.telegram_id, now=now, data=filed,
        )  # fmt: skip
        case.resolved_at = now
        await reminders.schedule_plan(
            session, case_id=case.id, plan=confirm_clock(now, policy, case.visits)
        )
        buttons = (
            (
                Button("tech.btn_confirm_report", ConfirmReport(report.id).pack()),
                Button("tech.btn_dispute_report", DisputeReport(report.id).pack()),
            ),
        )
        args["hours"] = int(policy.confirm_autoclose.total_seconds() // 3600)
        await notify.to_customer(
            session,
            case=case,
            message=Message("tech.report_for_customer", args, buttons=buttons),
            key=f"report:{report.id}",
            now=now,
        )
        page = signature_page(sign_base, report.id)
        if page is not None:
            await notify.to_staff(
                session,
                staff=technician,
                message=Message(
                    "sheet.hand_over",
                    {"number": case.number},
                    buttons=((Button("sheet.btn_sign", "", web_app=page),),),
                ),
                key=f"sign:{report.id}",
                now=now,
                case=case,
            )
    else:
        await workflow.move(
            session, case=case, action=Action.REPORT_NOT_FIXED, actor=Actor.TECHNICIAN,
            actor_id=technician.telegram_id, now=now, data=filed,
        )  # fmt: skip
        if draft.followup_due_at is not None:
            case.onsite_due_at = draft.followup_due_at
            await onsite.plan(session, case=case, now=now, policy=policy)
        args["onsite_due"] = at(case.onsite_due_at) if case.onsite_due_at else "-"
        await notify.to_customer(
            session,
            case=case,
            message=Message("tech.followup_for_customer", args),
            key=f"report:{report.id}",
            now=now,
        )
    if draft.root_cause == "supplier":
        await supplier_claims.open_claim(
            session, case=case, report=report, now=now, chat_id=quality.purchasing_chat_id,
            language=quality.language,
        )  # fmt: skip
    if draft.major_quality:
        await _tell_quality(session, case=case, report=report, now=now, quality=quality)
    return report


async def _tell_quality(
    session: AsyncSession,
    *,
    case: Case,
    report: ServiceReport,
    now: datetime,
    quality: QualityRoute,
) -> None:
    """Reports a major quality problem to the quality chat (or the supervisors)."""
    args = await case_card(session, case=case)
    args["root_cause"] = term(f"tech.cause.{report.root_cause}")
    args["supplier"] = report.supplier_name or "-"
    args["work"] = report.work_done
    message = Message("desk.major_quality", args)
    key = f"quality:{report.id}"
    if quality.chat_id is not None:
        await outbox.enqueue(
            session, chat_id=quality.chat_id, message=message, language=quality.language,
            dedupe_key=key, now=now, case_id=case.id,
        )  # fmt: skip
        return
    await notify.to_role(session, role="supervisor", message=message, key=key, now=now, case=case)


async def report_of_customer(
    session: AsyncSession, *, report_id: int, customer: Customer
) -> tuple[ServiceReport, Case] | None:
    """The report and its case, only if the case is this customer's."""
    report = await report_rows.get_report(session, report_id=report_id)
    if report is None:
        return None
    case = await case_rows.get_case(session, case_id=report.case_id)
    if case is None or case.customer_id != customer.id:
        return None
    return report, case


def is_resolved(case: Case) -> bool:
    """Whether the case waits for the customer's confirmation."""
    return CaseStatus(case.status) == CaseStatus.RESOLVED
