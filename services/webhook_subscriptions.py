"""Subscribing a URL to webhook events: the checks the CLI and the dashboard share."""

from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from domain.webhooks import EVENTS
from storage.repos import webhooks

MAX_URL = 500  # the column's width


class SubscriptionRefused(ValueError):
    """A subscription that cannot be made as asked: `code` is the reason, `value` the culprit."""

    def __init__(self, code: str, value: str) -> None:
        reason = {
            "no_events": "no events chosen",
            "unknown_events": "unknown events",
            "url": "not an http(s) URL",
        }[code]
        super().__init__(f"{reason}: {value}")
        self.code, self.value = code, value


def checked(url: str, events: list[str]) -> tuple[str, list[str]]:
    """The URL and the events (deduplicated, in order) if both are acceptable."""
    wanted = [e.strip() for e in events if e.strip()]
    unknown = [e for e in wanted if e not in EVENTS]
    if unknown:
        raise SubscriptionRefused("unknown_events", ",".join(unknown))
    if not wanted:
        raise SubscriptionRefused("no_events", "-")
    url = url.strip()
    shown = repr(url if len(url) <= 80 else url[:80] + "…")
    # Spaces and control characters are no part of a URL (and PostgreSQL refuses NUL in text).
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise SubscriptionRefused("url", shown)
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise SubscriptionRefused("url", shown) from None
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        raise SubscriptionRefused("url", shown)
    return url, list(dict.fromkeys(wanted))


async def subscribe(
    session: AsyncSession, *, url: str, events: list[str], now: datetime
) -> tuple[int, str]:
    """Stores a subscription; its id and the secret that signs its deliveries."""
    url, wanted = checked(url, events)
    secret = "whsec_" + secrets.token_urlsafe(24)
    row = await webhooks.add_subscription(session, url=url, events=wanted, secret=secret, now=now)
    return row.id, secret


async def queue_test(session: AsyncSession, *, subscription_id: int, now: datetime) -> bool:
    """Queues a `webhook.test` event to one subscription; False if it does not exist."""
    written = await webhooks.record(
        session, event="webhook.test", data={"subscription_id": subscription_id}, now=now,
        only=subscription_id,
    )  # fmt: skip
    return written > 0
