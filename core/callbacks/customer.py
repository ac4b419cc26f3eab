"""Customer buttons: language, cases and cancellation, registration, products, fault report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.callbacks.codec import Callback

# --- customer: language, cases, cancellation -------------------------------------------------


@dataclass(frozen=True)
class Language(Callback):
    """Choose a language (registration and /language)."""

    prefix = "lang"
    code: str


@dataclass(frozen=True)
class CaseButton(Callback):
    """A button about one of the presser's cases."""

    case_id: int


@dataclass(frozen=True)
class ShowCase(CaseButton):
    """Open one of the customer's cases."""

    prefix = "case"


@dataclass(frozen=True)
class CancelCase(CaseButton):
    """Ask to cancel a case."""

    prefix = "cxl"


@dataclass(frozen=True)
class ConfirmCancel(CaseButton):
    """Confirm the cancellation."""

    prefix = "cxlok"


@dataclass(frozen=True)
class SkipCompany(Callback):
    """Registration: no company."""

    prefix = "reg:skip"


@dataclass(frozen=True)
class AddProduct(Callback):
    """Register a product by serial."""

    prefix = "pr:add"


@dataclass(frozen=True)
class SkipPurchaseDate(Callback):
    """Product registration: no purchase date."""

    prefix = "pr:skip"


# --- customer: reporting a fault (bot/dialogs/report_fault.py) -------------------------------


@dataclass(frozen=True)
class ReportForProduct(Callback):
    """Report a fault on this registered product (from the product list)."""

    prefix = "rf:start"
    product_id: int


@dataclass(frozen=True)
class ProductChoice(Callback):
    """The faulty product, chosen in the dialog."""


@dataclass(frozen=True)
class FaultProduct(ProductChoice):
    """One of the customer's registered products."""

    prefix = "rf:p"
    product_id: int


@dataclass(frozen=True)
class OtherProduct(ProductChoice):
    """The faulty product is not registered yet."""

    prefix = "rf:p:other"


@dataclass(frozen=True)
class FaultSkip(Callback):
    """Skip an optional step (purchase date, address detail)."""

    prefix = "rf:skip"


@dataclass(frozen=True)
class FaultContinue(Callback):
    """Photos done: on to the address."""

    prefix = "rf:cont"


@dataclass(frozen=True)
class QuickDeadline(Callback):
    """A ready-made on-site deadline, or the way to pick one."""

    prefix = "rf:d"
    choice: Literal["urgent", "today", "tomorrow", "pick"]


@dataclass(frozen=True)
class DeadlineDay(Callback):
    """The day of the on-site deadline."""

    prefix = "rf:day"
    day: date


@dataclass(frozen=True)
class DeadlineHour(Callback):
    """The hour of the on-site deadline on a day."""

    prefix = "rf:h"
    day: date
    hour: int

    def valid(self) -> bool:
        """An hour of the day."""
        return self.hour < 24


@dataclass(frozen=True)
class FaultConfirm(Callback):
    """Send the fault report."""

    prefix = "rf:ok"


@dataclass(frozen=True)
class FaultEdit(Callback):
    """Change something before sending."""

    prefix = "rf:edit"


@dataclass(frozen=True)
class FaultEditPart(Callback):
    """Which part of the report to change."""

    prefix = "rf:e"
    part: Literal["desc", "addr", "dl"]


@dataclass(frozen=True)
class FaultAbandon(Callback):
    """Drop the fault report."""

    prefix = "rf:x"


# --- customer: a missed on-site visit (bot/handlers/late_visit.py) ---------------------------

# Keep waiting, pick a new time, cancel; or the new time picked.
LateAction = Literal["keep", "new", "cancel", "today", "tomorrow", "after"]


@dataclass(frozen=True)
class LateVisit(Callback):
    """The customer's answer to a missed visit: keep, new, cancel, or a new time's name."""

    prefix = "late"
    action: LateAction
    case_id: int
