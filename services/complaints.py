"""Complaint cases: opened by customers or by survey answers, owned, closed with a root cause."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import HandlingVerdict, TakeComplaint
from core.messages import Button, Message, at, term
from domain.complaints import Severity, Source, closure_problem
from domain.event_data import Because, ComplaintClosed, Owner, Why
from domain.lifecycle import Action, Actor, CaseKind, CaseStatus
from domain.policy import ServicePolicy
from domain.reminders import ReminderKind
from services import intake, notify, workflow
from services.intake import CaseDraft
from storage.models import Case, Customer, Staff
from storage.repos import cases as case_rows
from storage.repos import people, reminders

logger = logging.getLogger(__name__)

SUPERVISOR = "supervisor"


class ComplaintError(Exception):
    """A complaint action the complaint's state does not allow; reason is a catalog suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def open_complaint(
    session: AsyncSession,
    *,
    customer: Customer,
    parent: Case | None,
    description: str,
    source: Source,
    now: datetime,
    policy: ServicePolicy,
    severity: Severity = Severity.NORMAL,
) -> Case:
    """Opens a complaint case (own 24 h response clock) and tells the supervisors."""
    complaint = await intake.open_case(
        session,
        customer=customer,
        draft=CaseDraft(
            kind=CaseKind.COMPLAINT,
            description=description,
            parent_id=parent.id if parent else None,
            severity=severity,
        ),
        now=now,
        policy=policy,
    )
    if parent is not None:
        # The report counts complaints per category (per technician through the parent).
        complaint.category = parent.category
    await notify.to_role(
        session,
        role=SUPERVISOR,
        message=Message(
            "complaint.staff_new_high" if severity is Severity.HIGH else "complaint.staff_new",
            {
                "number": complaint.number,
                "about": parent.number if parent else term("complaint.general"),
                "source": term(f"complaint.source.{source}"),
                "customer": customer.name or "-",
                "phone": customer.phone or "-",
                "description": description,
            },
            ((Button("complaint.btn_take", TakeComplaint(complaint.id).pack()),),),
        ),
        key=f"complaint:{complaint.id}:new",
        now=now,
        case=complaint,
    )
    logger.info("complaint %s opened (%s, %s)", complaint.number, source, severity)
    return complaint


async def get_complaint(session: AsyncSession, *, complaint_id: int) -> Case | None:
    """A complaint case by id (None for any other kind)."""
    case = await case_rows.get_case(session, case_id=complaint_id)
    if case is None or case.kind != CaseKind.COMPLAINT:
        return None
    return case


async def take_ownership(
    session: AsyncSession, *, complaint: Case, staff: Staff, now: datetime
) -> None:
    """Makes a supervisor the complaint's owner; that is the complaint's response."""
    if complaint.status != CaseStatus.NEW:
        raise ComplaintError("closed")
    if complaint.owner_id is not None:
        raise ComplaintError("owner_mine" if complaint.owner_id == staff.id else "owned")
    complaint.owner_id = staff.id
    if complaint.responded_at is None:
        complaint.responded_at = now
    await reminders.cancel(session, case_id=complaint.id, kinds=[ReminderKind.RESPONSE], now=now)
    await case_rows.add_event(
        session,
        case=complaint,
        actor=Actor.SUPERVISOR,
        actor_id=staff.telegram_id,
        action="take_ownership",
        now=now,
        data=Owner(owner=staff.name),
    )


async def close_complaint(
    session: AsyncSession,
    *,
    complaint: Case,
    staff: Staff,
    root_cause: str | None,
    corrective_action: str | None,
    now: datetime,
) -> None:
    """Closes an owned complaint with its root cause and corrective action; tells the customer."""
    if complaint.status != CaseStatus.NEW:
        raise ComplaintError("closed")
    if complaint.owner_id is None:
        raise ComplaintError("not_owned")
    if complaint.owner_id != staff.id:
        raise ComplaintError("owned")
    problem = closure_problem(root_cause, corrective_action)
    if problem is not None:
        raise ComplaintError(f"missing_{problem}")
    assert root_cause is not None and corrective_action is not None
    await workflow.move(
        session,
        case=complaint,
        action=Action.CLOSE,
        actor=Actor.SUPERVISOR,
        actor_id=staff.telegram_id,
        now=now,
        data=ComplaintClosed(root_cause=root_cause),
    )
    complaint.root_cause = root_cause
    complaint.corrective_action = corrective_action.strip()
    complaint.closed_at = now
    await notify.to_customer(
        session,
        case=complaint,
        message=Message(
            "complaint.outcome",
            {
                "number": complaint.number,
                "cause": term(f"complaint.cause.{root_cause}"),
                "action": complaint.corrective_action,
            },
            (
                (
                    Button(
                        "complaint.btn_handled_yes", HandlingVerdict(complaint.id, True).pack()
                    ),
                    Button(
                        "complaint.btn_handled_no", HandlingVerdict(complaint.id, False).pack()
                    ),
                ),
            ),
        ),
        key=f"complaint:{complaint.id}:outcome:{complaint.reopen_count}",
        now=now,
    )


async def record_handling(
    session: AsyncSession,
    *,
    complaint: Case,
    satisfied: bool,
    now: datetime,
    policy: ServicePolicy,
) -> bool:
    """Stores the customer's verdict on the handling, once; not satisfied reopens the complaint."""
    if complaint.status != CaseStatus.CLOSED or complaint.handling_satisfied is not None:
        return False
    complaint.handling_satisfied = satisfied
    await case_rows.add_event(
        session,
        case=complaint,
        actor=Actor.CUSTOMER,
        actor_id=None,
        action="handling_feedback",
        now=now,
        data=Because(why=Why.HANDLING_SATISFIED if satisfied else Why.HANDLING_NOT_SATISFIED),
    )
    if not satisfied:
        await _reopen(session, complaint=complaint, now=now, policy=policy)
    return True


async def _reopen(
    session: AsyncSession, *, complaint: Case, now: datetime, policy: ServicePolicy
) -> None:
    """Back to open with a new 24 h response clock: a supervisor takes it again and re-closes."""
    owner_id = complaint.owner_id
    await workflow.reopen(
        session,
        case=complaint,
        actor=Actor.CUSTOMER,
        actor_id=None,
        now=now,
        policy=policy,
        data=Because(why=Why.HANDLING_NOT_SATISFIED),
    )
    # Taking it again is the response its new clock waits for; the verdict is asked anew.
    complaint.owner_id = None
    complaint.handling_satisfied = None
    complaint.closed_at = None
    take = ((Button("complaint.btn_take", f"cpo:{complaint.id}"),),)
    args = {"number": complaint.number, "response_due": at(complaint.response_due_at)}
    round_key = f"complaint:{complaint.id}:unsatisfied:{complaint.reopen_count}"
    owner = await people.get_staff_by_id(session, staff_id=owner_id) if owner_id else None
    if owner is not None:
        await notify.to_staff(
            session,
            staff=owner,
            message=Message("complaint.owner_reopened", args, take),
            key=f"{round_key}:owner",
            now=now,
            case=complaint,
        )
    await notify.to_role(
        session,
        role=SUPERVISOR,
        message=Message("complaint.staff_unsatisfied", args, take),
        key=round_key,
        now=now,
        case=complaint,
    )
    logger.info("complaint %s reopened: customer not satisfied", complaint.number)
