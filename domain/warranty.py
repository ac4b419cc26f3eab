"""The warranty decision: free under warranty, a quote first outside it."""

from __future__ import annotations

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


def customer_cost(warranty: Warranty, parts: int, labour: int, travel: int) -> int:
    """What the customer pays, in cents: nothing under warranty, everything outside it."""
    if warranty is Warranty.IN:
        return 0
    return parts + labour + travel
