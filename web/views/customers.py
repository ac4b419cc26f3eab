"""The service file (服务档案): the customer page and the product page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import LANGUAGES
from domain.survey import NO, SCALES, YES, Question, Scale
from storage.models import SurveyAnswer
from storage.repos import customer_file, people, products
from web.access import Viewer, path_id, viewer
from web.deps import deps_key
from web.render import render

NOTICES = frozenset({"key_on", "key_off", "region", "contact", "note", "unchanged"})


@dataclass(frozen=True)
class AnswerLine:
    """One survey answer as the page shows it: the question's text and the answer's."""

    question_key: str
    value_key: str | None  # a catalog text for the answer, or None for `text`
    value_args: dict[str, Any]
    text: str | None


def answer_line(answer: SurveyAnswer) -> AnswerLine | None:
    """How an answer reads in the viewer's language; None for a question no longer asked."""
    try:
        question = Question(answer.question)
    except ValueError:
        return None
    key = f"survey.q.{question}"
    scale = SCALES[question]
    value = answer.value_int
    if scale in (Scale.SATISFACTION, Scale.ATTITUDE) and value in range(1, 6):
        return AnswerLine(key, f"survey.opt.{scale}.{value}", {}, None)
    if scale is Scale.YES_NO and value in (YES, NO):
        return AnswerLine(key, "survey.opt.yes" if value == YES else "survey.opt.no", {}, None)
    if scale is Scale.NPS and value in range(0, 11):
        return AnswerLine(key, "web.customer.nps_value", {"n": value}, None)
    if answer.value_text:
        return AnswerLine(key, None, {}, answer.value_text)
    return AnswerLine(key, "web.customer.no_remark", {}, None)


async def customer_page(request: web.Request) -> web.Response:
    """Renders the customer's service file."""
    notice = request.query.get("notice")
    return await render_customer(
        request, path_id(request, "customer_id"), notice=notice if notice in NOTICES else None
    )


async def render_customer(
    request: web.Request, customer_id: int, *, status: int = 200, notice: str | None = None,
    error: str | None = None, form: str | None = None, values: dict[str, str] | None = None,
) -> web.Response:  # fmt: skip
    """The customer page; after a refused change, with what is wrong and the typed values."""
    found = viewer(request)
    deps = request.app[deps_key]
    async with deps.reads() as session:
        customer = await people.get_customer_by_id(session, customer_id=customer_id)
        if customer is None or not await _may_see(session, found, customer_id=customer_id):
            raise web.HTTPNotFound()
        limited = None if found.desk else found.staff_id  # a technician: their own cases only
        owned = await products.products_of(session, customer_id=customer_id)
        cases = await customer_file.cases_of_customer(
            session, customer_id=customer_id, technician_id=limited
        )
        surveys = [] if limited else await customer_file.surveys_of_customer(
            session, customer_id=customer_id
        )  # fmt: skip
        changes = [] if limited else await customer_file.changes_of(
            session, customer_id=customer_id
        )  # fmt: skip
    contact = {
        "name": customer.name or "",
        "phone": customer.phone or "",
        "company": customer.company or "",
        "address": customer.address or "",
        "language": customer.language,
        "region": customer.region or "",
        "note": customer.notes or "",
    }
    if values is not None:
        contact.update(values)  # what was typed, to correct it
    return render(
        request,
        "customer.html",
        status=status,
        customer=customer,
        products=owned,
        cases=cases,
        complaints=[c for c in cases if c.case.kind == "complaint"],
        surveys=[
            (s, [line for a in s.answers if (line := answer_line(a)) is not None]) for s in surveys
        ],
        changes=changes,
        may_edit=found.desk and customer.forgotten_at is None,
        notice=notice,
        error=error,
        form=form,
        contact=contact,
        languages=LANGUAGES,
    )


async def _may_see(session: AsyncSession, found: Viewer, *, customer_id: int | None = None,
                   product_id: int | None = None) -> bool:  # fmt: skip
    """The desk sees every file; a technician only those of customers or products they served."""
    if found.desk:
        return True
    return await customer_file.has_case_of(
        session, technician_id=found.staff_id, customer_id=customer_id, product_id=product_id
    )


async def product_page(request: web.Request) -> web.Response:
    """Renders a product: serial, model, warranty, dates, owner and every case on it."""
    found = viewer(request)
    deps = request.app[deps_key]
    product_id = path_id(request, "product_id")
    async with deps.reads() as session:
        product = await products.get_product_by_id(session, product_id=product_id)
        if product is None or not await _may_see(session, found, product_id=product_id):
            raise web.HTTPNotFound()
        owner = (
            await people.get_customer_by_id(session, customer_id=product.customer_id)
            if product.customer_id is not None
            else None
        )
        cases = await customer_file.cases_of_product(
            session, product_id=product_id, technician_id=None if found.desk else found.staff_id
        )
    return render(request, "product.html", product=product, owner=owner, cases=cases)
