"""The service report form (售后服务报告单) as one sheet: what the customer signs and keeps.

The Mini App page, the PDF, the dashboard download and the CLI all show this sheet, loaded
here once, so the signed page and the kept copy can never say different things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.costs import PartLine, stored_parts
from storage.models import Case
from storage.repos import cases, people, products, reports

_UNCHARGED = {"to_be_verified": "covered_pending", "out_of_warranty": "covered_quote"}


@dataclass(frozen=True)
class ReportSheet:
    """Everything the printed report shows, in stored form (rendered per language later)."""

    report_id: int
    case_id: int
    number: str
    kind: str
    language: str
    customer_telegram_id: int | None  # None: known only from another channel
    customer_name: str
    customer_company: str
    customer_phone: str
    address: str
    product_model: str
    serial: str
    warranty: str
    fault: str
    work_done: str
    parts: tuple[PartLine, ...]
    parts_cents: int
    labour_hours: float
    labour_cents: int
    travel_cents: int
    total_cents: int
    root_cause: str
    fixed: bool
    technician_telegram_id: int | None
    technician_name: str
    arrived_at: datetime | None
    finished_at: datetime
    confirmation: str
    confirmed_at: datetime | None
    signature_png: bytes | None

    @property
    def uncharged_key(self) -> str:
        """Catalog key (``sheet.*``) saying why part of the costs is not charged: the warranty,
        the warranty check still to come, or work beyond the approved quote."""
        return _UNCHARGED.get(self.warranty, "covered")

    @property
    def awaiting_confirmation(self) -> bool:
        """True while the customer may still sign or confirm."""
        return self.confirmation == "pending"


async def load(session: AsyncSession, *, report_id: int) -> ReportSheet | None:
    """The sheet of a service report, or None when there is no such report."""
    report = await reports.get_report(session, report_id=report_id)
    if report is None:
        return None
    case = await cases.get_case(session, case_id=report.case_id)
    if case is None:
        return None
    customer = await people.get_customer_by_id(session, customer_id=case.customer_id)
    product = (
        await products.get_product_by_id(session, product_id=case.product_id)
        if case.product_id
        else None
    )
    technician = await people.get_staff_by_id(session, staff_id=report.technician_id)
    return ReportSheet(
        report_id=report.id,
        case_id=case.id,
        number=case.number,
        kind=case.kind,
        language=customer.language if customer else "zh_CN",
        customer_telegram_id=customer.telegram_id if customer else None,
        customer_name=(customer.name if customer else None) or "-",
        customer_company=(customer.company if customer else None) or "-",
        customer_phone=(customer.phone if customer else None) or "-",
        address=case.address or "-",
        product_model=product.model if product else "-",
        serial=product.serial if product else "-",
        warranty=report.warranty,
        fault=case.description,
        work_done=report.work_done,
        parts=stored_parts(report.parts),
        parts_cents=report.parts_cents,
        labour_hours=report.labour_hours,
        labour_cents=report.labour_cents,
        travel_cents=report.travel_cents,
        total_cents=report.customer_cost_cents,
        root_cause=report.root_cause,
        fixed=report.fixed,
        technician_telegram_id=technician.telegram_id if technician else None,
        technician_name=technician.name if technician else "-",
        arrived_at=case.arrived_at,
        finished_at=report.filed_at,
        confirmation=report.confirmation,
        confirmed_at=report.confirmed_at,
        signature_png=report.signature_png,
    )


async def latest_of_case(session: AsyncSession, *, case: Case) -> ReportSheet | None:
    """The sheet of the case's latest service report, if it has one."""
    report = await reports.latest_report(session, case_id=case.id)
    return await load(session, report_id=report.id) if report else None
