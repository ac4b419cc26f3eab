"""The warranty decision: free under warranty, a quote first outside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Warranty(StrEnum):
    """Warranty status of a product on a given day."""

    IN = "in_warranty"
    OUT = "out_of_warranty"
    UNVERIFIED = "to_be_verified"


def warranty_status(warranty_end: date | None, on: date, *, verified: bool = True) -> Warranty:
    """Decides the warranty from the registered end date (inclusive)."""
    if warranty_end is None or not verified:
        return Warranty.UNVERIFIED
    return Warranty.IN if on <= warranty_end else Warranty.OUT


@dataclass(frozen=True)
class Charge:
    """What a service report charges, in cents, and why anything is left out."""

    cents: int
    # The warranty is still to be verified: nothing may be charged until the desk checks it.
    pending: bool = False
    # Work found on site beyond the approved quote: not charged without the customer's approval.
    beyond_quote: int = 0


def charge_for(warranty: Warranty, costs: int, approved_quote: int | None) -> Charge:
    """The charge reconciled with the warranty and the quote: nothing under warranty, nothing
    while the warranty is unverified, and out of warranty the approved quote, never more."""
    if warranty is Warranty.IN:
        return Charge(0)
    if warranty is Warranty.UNVERIFIED:
        return Charge(0, pending=True)
    quoted = approved_quote or 0
    return Charge(quoted, beyond_quote=max(0, costs - quoted))
