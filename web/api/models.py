"""Request and response bodies of /api/v1: pydantic models, also the OpenAPI document's schemas.

Every input is bounded so that no value can reach the database and fail there: ids fit a
32-bit column, texts are cleaned like the chat's (no control characters, no lone surrogates)
and capped, moments carry a time zone and lie in a sane range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from domain.lifecycle import CaseKind, CaseStatus
from domain.parsing import ROW_ID_MAX
from domain.validation import clean_text, normalize_phone

Id = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
Limit = Annotated[int, Field(ge=1, le=100, description="rows per page")]


def _cursor(value: str) -> str:
    """A cursor is a row id handed out as `next_cursor`: one past the ids is none of ours."""
    if int(value) > ROW_ID_MAX:
        raise ValueError(f"out of range (0..{ROW_ID_MAX})")
    return value


Cursor = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,10}$",
        description="the `next_cursor` of the previous page",
        json_schema_extra={"example": "120"},
    ),
    AfterValidator(_cursor),
]
Channel = Literal["chat", "phone", "letter", "email", "visit", "api"]
Language = Literal["zh_CN", "en"]
SurveyStatus = Literal["scheduled", "sent", "completed", "expired"]
Scalar = str | int | float | bool | None


def _text(limit: int) -> AfterValidator:
    """Cleans a text like the chat does (control characters out, spaces squeezed), capped."""
    return AfterValidator(lambda value: clean_text(value, max_length=limit))


def _moment(value: datetime) -> datetime:
    """Refuses moments outside 1970..9999 (they would overflow on the way to UTC)."""
    if not 1970 <= value.year <= 9998:
        raise ValueError("out of range (1970..9998)")
    return value.astimezone(UTC)


def _phone(value: str) -> str:
    """A phone number in E.164 form."""
    return normalize_phone(value)


Moment = Annotated[AwareDatetime, AfterValidator(_moment)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]


class Strict(BaseModel):
    """A request body or query: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """A response body, read from the stored rows' attributes."""

    model_config = ConfigDict(from_attributes=True)


class FieldProblem(BaseModel):
    """One thing wrong with a request."""

    field: str
    reason: str


class Paged(Strict):
    """Where a page starts and how long it is."""

    cursor: Cursor | None = None
    limit: Limit = 50

    @property
    def before_id(self) -> int | None:
        """The id below which the page starts (ids run newest first)."""
        return int(self.cursor) if self.cursor else None


class ErrorBody(BaseModel):
    """Every error answer: a stable code, a sentence, and for 422 the fields at fault."""

    error: str = Field(description="validation, unauthorized, forbidden, not_found, ...")
    message: str
    detail: list[FieldProblem] = Field(default_factory=list)


class WebhookEvent(BaseModel):
    """What a webhook subscriber receives (signed; see docs/webhooks.md)."""

    id: str = Field(description="the same on every retry: handle each id once")
    type: str
    created_at: datetime
    data: dict[str, Scalar | dict[str, Scalar]]


# Cases


class CasePath(Strict):
    """A case in the path."""

    case_id: Id


class CaseListQuery(Paged):
    """Filters of the case list."""

    status: CaseStatus | None = None
    kind: CaseKind | None = None
    customer_id: Id | None = None
    channel: Channel | None = None
    created_from: Moment | None = Field(None, description="created at or after (with offset)")
    created_to: Moment | None = Field(None, description="created before (with offset)")


class CaseOut(Out):
    """A case as the register holds it."""

    id: int
    number: str
    kind: str
    status: str
    channel: str
    customer_id: int
    product_id: int | None
    parent_id: int | None
    is_repeat: bool
    warranty: str
    description: str
    address: str | None
    region: str | None
    category: str | None
    severity: str
    technician_id: int | None
    first_time_fix: bool | None
    created_at: datetime
    response_due_at: datetime
    responded_at: datetime | None
    onsite_due_at: datetime | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None


class EventOut(Out):
    """One line of a case's timeline."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None = Field(description="what a person typed (a reason, a note), if anything")
    data: dict[str, Any] | None = Field(
        description="what the event records, by kind: e.g. {technician, technician_id} for "
        "assign, {latitude, longitude, distance_m} for check_in, {report_id, root_cause}, "
        "{quote_id, total_cents}, {why}; null on events recorded before it existed"
    )


class CaseDetail(CaseOut):
    """A case with its timeline, oldest event first."""

    timeline: list[EventOut]


class CasePage(BaseModel):
    """A page of cases, newest first."""

    items: list[CaseOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class CaseCreate(Strict):
    """A request that came in by another channel (phone, letter, e-mail, visit, a web form)."""

    customer_id: Id
    kind: Literal["fault", "installation"]
    description: Annotated[str, Field(max_length=4000), _text(2000)]
    channel: Literal["phone", "letter", "email", "visit", "api"] = "api"
    product_serial: Annotated[str, Field(max_length=60)] | None = None
    address: Annotated[str, Field(max_length=1000), _text(500)] | None = None
    onsite_due_at: Moment | None = Field(None, description="when the customer wants us on site")


class AssignBody(Strict):
    """Whom to give the case to (ranked and checked like the desk's choice in chat)."""

    technician_id: Id
    reason: Annotated[str, Field(max_length=400), _text(200)] | None = None


class NoteBody(Strict):
    """A note for the case's timeline."""

    text: Annotated[str, Field(max_length=2000), _text(1000)]


class CloseBody(Strict):
    """Closing a resolved case."""

    note: Annotated[str, Field(max_length=1000), _text(500)] | None = None


class Written(BaseModel):
    """What a write did to the case, and the case after it."""

    case: CaseDetail


# Customers


class CustomerPath(Strict):
    """A customer in the path."""

    customer_id: Id


class CustomerQuery(Strict):
    """Finding customers by phone number."""

    phone: Phone


class CustomerOut(Out):
    """A customer."""

    id: int
    name: str | None
    phone: str | None
    company: str | None
    region: str | None
    language: str
    is_key: bool
    in_chat: bool = Field(description="whether the customer talks to the bot in Telegram")
    created_at: datetime


class CustomerList(BaseModel):
    """Customers found."""

    items: list[CustomerOut]


class CustomerCreate(Strict):
    """A customer from the CRM; Telegram id only if the CRM knows it."""

    name: Annotated[str, Field(max_length=200), _text(100)]
    phone: Phone | None = None
    company: Annotated[str, Field(max_length=240), _text(120)] | None = None
    region: Annotated[str, Field(max_length=120), _text(60)] | None = None
    language: Language = "zh_CN"
    is_key: bool = False
    telegram_id: Annotated[int, Field(ge=1, le=2**53)] | None = None


class CustomerUpdate(Strict):
    """Fields to change; absent fields stay as they are."""

    name: Annotated[str, Field(max_length=200), _text(100)] | None = None
    phone: Phone | None = None
    company: Annotated[str, Field(max_length=240), _text(120)] | None = None
    region: Annotated[str, Field(max_length=120), _text(60)] | None = None
    language: Language | None = None
    is_key: bool | None = None


class CustomerCasesQuery(Paged):
    """Paging of a customer's cases."""


# Products


class ProductPath(Strict):
    """A product by serial number."""

    serial: Annotated[str, Field(min_length=1, max_length=60)]


class ProductIn(Strict):
    """A product register line, checked like a line of `aftersales import products`."""

    model: Annotated[str, Field(min_length=1, max_length=200)]
    category: Annotated[str, Field(max_length=120)] | None = None
    customer_phone: Annotated[str, Field(max_length=40)] | None = None
    customer_company: Annotated[str, Field(max_length=240)] | None = None
    purchase_date: date | None = None
    installation_date: date | None = None
    warranty_end: date


class ProductLine(ProductIn):
    """A product register line with its serial (batch sync)."""

    serial: Annotated[str, Field(min_length=1, max_length=60)]


class ProductBatch(Strict):
    """The ERP's sync: up to 500 lines, all or none."""

    products: Annotated[list[ProductLine], Field(min_length=1, max_length=500)]


class ProductOut(Out):
    """A product of the register."""

    serial: str
    model: str
    category: str | None
    owner_phone: str | None
    owner_company: str | None
    purchase_date: date | None
    installed_on: date | None
    warranty_end: date | None
    customer_id: int | None
    verified: bool


class ProductBatchResult(BaseModel):
    """How many lines the sync wrote."""

    written: int
