"""Long polling that stores each batch before the next getUpdates acknowledges it."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut

from bot.http import retry_seconds
from bot.pump import UpdatePump

logger = logging.getLogger(__name__)


async def poll_forever(
    bot: Bot, pump: UpdatePump, *, start_offset: int = 0, poll_seconds: int = 25
) -> None:
    """Fetches updates, stores them, and only then moves the offset past them."""
    offset = start_offset
    backoff = 1.0
    while True:
        try:
            updates = await bot.get_updates(
                offset=offset,
                timeout=poll_seconds,
                allowed_updates=Update.ALL_TYPES,
                read_timeout=poll_seconds + 10,
            )
        except RetryAfter as exc:
            await asyncio.sleep(retry_seconds(exc))
            continue
        except Conflict:
            logger.error("another consumer is polling this bot token (or a webhook is set)")
            await asyncio.sleep(5)
            continue
        except (TimedOut, NetworkError) as exc:
            logger.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        payloads: list[dict[str, Any]] = [json_safe(update.to_dict()) for update in updates]
        if not payloads:
            backoff = 1.0
            continue
        try:
            await pump.ingest(payloads)
        except Exception:  # not stored, so not acknowledged: fetch the same batch again
            logger.exception(
                "could not store %s updates; retrying in %.0f s", len(payloads), backoff
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        backoff = 1.0
        offset = max(int(p["update_id"]) for p in payloads) + 1


def json_safe(value: Any) -> Any:
    """The update as plain JSON: PTB leaves some dates (of inaccessible messages) as datetimes."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value
