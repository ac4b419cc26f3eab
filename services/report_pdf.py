"""The customer's copy of a service report as a PDF (fpdf2, with an embedded CJK font).

fpdf2 is pure Python (no system libraries such as Cairo or Pango, unlike WeasyPrint), embeds a
subset of a TrueType font (so Chinese shows on any reader) and places PNG images (the QR code,
the signature). The font is a setting; the default is Debian's WenQuanYi Micro Hei, which the
Makefile and the Docker image install.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from core.i18n import Texts
from core.settings import Settings
from services import report_font
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


@dataclass(frozen=True)
class _Content:
    """Every text of the sheet, in the order drawn (the font is chosen from them)."""

    title: str
    department: str
    contact: str | None
    rows: tuple[tuple[str, str], ...]
    parts_title: str
    parts_header: tuple[str, ...]
    parts: tuple[tuple[str, ...], ...]
    no_parts: str
    costs: tuple[tuple[str, str], ...]
    total: tuple[str, str]
    confirmation: str

    def strings(self) -> Iterator[str]:
        """All of the texts."""

        def walk(value: object) -> Iterator[str]:
            if isinstance(value, str):
                yield value
            elif isinstance(value, tuple):
                for item in value:
                    yield from walk(item)

        for item in fields(self):
            yield from walk(getattr(self, item.name))


def render(sheet: ReportSheet, texts: Texts, letterhead: Letterhead, language: str) -> bytes:
    """The report as PDF bytes in one language."""
    font = Path(letterhead.font_path)
    if not font.is_file():
        raise FontMissing(f"report font {font} not found (setting AFTERSALES_REPORT_FONT)")
    content = _content(sheet, texts, letterhead, language)
    chosen = report_font.choose(font, content.strings())

    pdf = FPDF(format="A4")
    pdf.set_title(content.title)
    pdf.set_creator("aftersales")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    face = chosen.collection_font_number
    pdf.add_font(FONT, fname=str(chosen.path), collection_font_number=face)

    pdf.set_font(FONT, size=16)
    pdf.cell(150, 9, content.department, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=13)
    pdf.cell(150, 8, content.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if content.contact:
        pdf.set_font(FONT, size=9)
        pdf.cell(150, 5, content.contact, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _qr(pdf, sheet, letterhead)
    pdf.ln(4)

    pdf.set_font(FONT, size=10)
    for label, value in content.rows:
        _row(pdf, label, value)
    pdf.ln(3)
    _parts(pdf, content)
    pdf.ln(3)
    for label, value in content.costs:
        _row(pdf, label, value)
    pdf.set_font(FONT, size=12)
    _row(pdf, *content.total)
    pdf.set_font(FONT, size=10)
    pdf.ln(4)
    _line(pdf, content.confirmation)
    if sheet.confirmation == "signed" and sheet.signature_png:
        pdf.image(io.BytesIO(sheet.signature_png), w=60, h=24, keep_aspect_ratio=True)
    return bytes(pdf.output())


def _content(sheet: ReportSheet, texts: Texts, letterhead: Letterhead, language: str) -> _Content:
    """The sheet's texts in the language."""

    def t(key: str, **args: object) -> str:
        return texts.get(language, f"sheet.{key}", **args)

    when, money = texts.when, texts.money
    rows = (
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
    )
    costs = [
        (t("labour", hours=f"{sheet.labour_hours:g}"), money(sheet.labour_cents)),
        (t("travel"), money(sheet.travel_cents)),
    ]
    charged = sheet.parts_cents + sheet.labour_cents + sheet.travel_cents
    if sheet.total_cents < charged:  # what the warranty (or the approved quote) does not charge
        costs.append((t(sheet.uncharged_key), "-" + money(charged - sheet.total_cents)))
    return _Content(
        title=t("title", number=sheet.number),
        department=letterhead.department or t("department"),
        contact=letterhead.contact,
        rows=tuple((t(key), value) for key, value in rows),
        parts_title=t("parts"),
        parts_header=tuple(t(key) for key in ("part", "qty", "unit", "amount")),
        parts=tuple(
            (part.name, str(part.quantity), money(part.unit_cents), money(part.total_cents))
            for part in sheet.parts
        ),
        no_parts=t("no_parts"),
        costs=tuple(costs),
        total=(t("total"), money(sheet.total_cents)),
        confirmation=_confirmation(sheet, texts, t),
    )


def _line(pdf: FPDF, text: str) -> None:
    """One line of text across the page."""
    pdf.cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _row(pdf: FPDF, label: str, value: str) -> None:
    """A label and its value, the value wrapping within the page."""
    pdf.set_x(pdf.l_margin)
    pdf.cell(45, LINE, label)
    pdf.multi_cell(0, LINE, value or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _parts(pdf: FPDF, content: _Content) -> None:
    """The parts used, one line each, with quantities and prices."""
    _line(pdf, content.parts_title)
    if not content.parts:
        _line(pdf, content.no_parts)
        return
    # One font, one style: the embedded CJK font has no bold face, so headings get a shade.
    headings = FontFace(emphasis="", fill_color=(230, 230, 230))
    aligns = ("LEFT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(
        col_widths=(90, 20, 35, 35), text_align=aligns, headings_style=headings
    ) as table:
        for cells in (content.parts_header, *content.parts):
            row = table.row()
            for cell in cells:
                row.cell(cell)


def _confirmation(sheet: ReportSheet, texts: Texts, t: _Lookup) -> str:
    """How and when the customer confirmed (a signature is drawn below it), or that not yet."""
    if sheet.confirmation == "signed" and sheet.signature_png:
        return t("signed", at=texts.when(sheet.confirmed_at))
    if sheet.confirmation == "confirmed":
        return t("confirmed_in_chat", at=texts.when(sheet.confirmed_at))
    return t("not_confirmed")


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
