"""The desk's marks on a customer: the key flag (return visits every cycle) and the region."""

from __future__ import annotations

import logging

from domain.validation import clean_text
from storage.models import Customer

REGION_LIMIT = 60  # the column's width

logger = logging.getLogger(__name__)


def mark_key(customer: Customer, *, key: bool) -> bool:
    """Sets or clears the key flag; True if it changed.

    Clearing it also forgets the planned visit, so marking the customer again starts a new
    cycle (the return-visit job plans the first visit one cycle after it sees the flag).
    """
    if customer.is_key == key:
        return False
    customer.is_key = key
    if not key:
        customer.next_return_visit_at = None
    logger.info("customer %s is %s a key customer", customer.id, "now" if key else "no longer")
    return True


def set_region(customer: Customer, *, region: str | None) -> bool:
    """Sets (or, with None or blank, clears) the region dispatch matches; True if it changed.

    Raises ``InputError`` for a region longer than the column holds.
    """
    cleaned = clean_text(region, max_length=REGION_LIMIT) if region and region.strip() else None
    if customer.region == cleaned:
        return False
    customer.region = cleaned
    logger.info("customer %s region set", customer.id)
    return True
