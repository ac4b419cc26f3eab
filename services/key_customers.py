"""Key customers: the flag that gives a customer return visits every cycle."""

from __future__ import annotations

import logging

from storage.models import Customer

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
