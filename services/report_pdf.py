"""The customer's copy of a service report as a PDF (fpdf2, with an embedded CJK font).

fpdf2 is pure Python (no system libraries such as Cairo or Pango, unlike WeasyPrint), embeds a
subset of a TrueType font (so Chinese shows on any reader) and places PNG images (the QR code,
the signature). The font is a setting; the default is Debian's WenQuanYi Micro Hei, which the
Makefile and the Docker image install.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from core.i18n import Texts
from core.settings import Settings
from services.report_sheet import ReportSheet

logger = logging.getLogger(__name__)

FONT = "sheet"
# The sheet's catalog lookup: key (without "sheet.") and arguments to text.
_Lookup = Callable[..., str]
LINE = 6.5


class FontMissing(RuntimeError):
    """The configured report font is not on this machine."""


@dataclass(frozen=True)
class Letterhead:
    """Who issues the report, and where its QR code points."""

    department: str | None
    contact: str | None
    public_url: str | None
    font_path: str

    @classmethod
    def of(cls, settings: Settings) -> Letterhead:
        """The letterhead the settings describe."""
        return cls(
            settings.department_name,
            settings.department_contact,
            settings.public_url,
            settings.report_font,
        )


def filename(sheet: ReportSheet) -> str:
    """The document's file name, e.g. `SR-20261204-0001-report.pdf`."""
    return f"{sheet.number}-report.pdf"


def render(sheet: ReportSheet, texts: Texts, letterhead: Letterhead, language: str) -> bytes:
    """The report as PDF bytes in one language."""
    font = Path(letterhead.font_path)
    if not font.is_file():
        raise FontMissing(f"report font {font} not found (setting AFTERSALES_REPORT_FONT)")

    def t(key: str, **args: object) -> str:
        return texts.get(language, f"sheet.{key}", **args)

    pdf = FPDF(format="A4")
    pdf.set_title(t("title", number=sheet.number))
    pdf.set_creator("aftersales")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    collection = {"collection_font_number": 0} if font.suffix.lower() == ".ttc" else {}
    pdf.add_font(FONT, fname=str(font), **collection)  # type: ignore[arg-type]

    pdf.set_font(FONT, size=16)
    pdf.cell(150, 9, letterhead.department or t("department"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=13)
    pdf.cell(150, 8, t("title", number=sheet.number), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if letterhead.contact:
        pdf.set_font(FONT, size=9)
        pdf.cell(150, 5, letterhead.contact, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _qr(pdf, sheet, letterhead)
    pdf.ln(4)

    pdf.set_font(FONT, size=10)
    when = texts.when
    rows = [
        ("number", sheet.number),
        ("customer", sheet.customer_name),
        ("company", sheet.customer_company),
        ("phone", sheet.customer_phone),
        ("address", sheet.address),
        ("product", sheet.product_model),
        ("serial", sheet.serial),
        ("warranty", texts.get(language, f"warranty.{sheet.warranty}")),
        ("fault", sheet.fault),
        ("work", sheet.work_done),
        ("root_cause", texts.get(language, f"tech.cause.{sheet.root_cause}")),
        ("fixed", t("yes") if sheet.fixed else t("no")),
        ("technician", sheet.technician_name),
        ("arrived", when(sheet.arrived_at)),
        ("finished", when(sheet.finished_at)),
    ]
    for key, value in rows:
        _row(pdf, t(key), value)

    pdf.ln(3)
    _parts(pdf, sheet, t, texts.money)
    pdf.ln(3)
    _row(pdf, t("labour", hours=f"{sheet.labour_hours:g}"), texts.money(sheet.labour_cents))
    _row(pdf, t("travel"), texts.money(sheet.travel_cents))
    costs = sheet.parts_cents + sheet.labour_cents + sheet.travel_cents
    if sheet.total_cents < costs:  # what the warranty (or the approved quote) does not charge
        _row(
            pdf,
            t(sheet.uncharged_key),
            "-" + texts.money(costs - sheet.total_cents),
        )
    pdf.set_font(FONT, size=12)
    _row(pdf, t("total"), texts.money(sheet.total_cents))
    pdf.set_font(FONT, size=10)
    pdf.ln(4)
    _confirmation(pdf, sheet, texts, t)
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str) -> None:
    """One line of text across the page."""
    pdf.cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _row(pdf: FPDF, label: str, value: str) -> None:
    """A label and its value, the value wrapping within the page."""
    pdf.set_x(pdf.l_margin)
    pdf.cell(45, LINE, label)
    pdf.multi_cell(0, LINE, value or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _parts(pdf: FPDF, sheet: ReportSheet, t: _Lookup, money: Callable[[int], str]) -> None:
    """The parts used, one line each, with quantities and prices."""
    pdf.cell(0, LINE, t("parts"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not sheet.parts:
        pdf.cell(0, LINE, t("no_parts"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    # One font, one style: the embedded CJK font has no bold face, so headings get a shade.
    headings = FontFace(emphasis="", fill_color=(230, 230, 230))
    aligns = ("LEFT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(
        col_widths=(90, 20, 35, 35), text_align=aligns, headings_style=headings
    ) as table:
        header = table.row()
        for key in ("part", "qty", "unit", "amount"):
            header.cell(t(key))
        for part in sheet.parts:
            row = table.row()
            row.cell(part.name)
            row.cell(str(part.quantity))
            row.cell(money(part.unit_cents))
            row.cell(money(part.total_cents))


def _confirmation(pdf: FPDF, sheet: ReportSheet, texts: Texts, t: _Lookup) -> None:
    """The customer's signature, or how and when they confirmed, or that they have not yet."""
    if sheet.confirmation == "signed" and sheet.signature_png:
        pdf.cell(
            0,
            LINE,
            t("signed", at=texts.when(sheet.confirmed_at)),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.image(io.BytesIO(sheet.signature_png), w=60, h=24, keep_aspect_ratio=True)
    elif sheet.confirmation == "confirmed":
        pdf.cell(
            0,
            LINE,
            t("confirmed_in_chat", at=texts.when(sheet.confirmed_at)),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    else:
        _line(pdf, t("not_confirmed"))


def _qr(pdf: FPDF, sheet: ReportSheet, letterhead: Letterhead) -> None:
    """A QR code in the top right corner: the case page, or the case number without a URL."""
    target = (
        f"{letterhead.public_url.rstrip('/')}/cases/{sheet.case_id}"
        if letterhead.public_url
        else sheet.number
    )
    image = io.BytesIO()
    segno.make(target, error="m").save(image, kind="png", scale=5, border=1)
    image.seek(0)
    pdf.image(image, x=pdf.w - pdf.r_margin - 28, y=pdf.t_margin, w=28)
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + 30))
