"""Long polling that stores each batch before the next getUpdates acknowledges it."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut

from bot.pump import UpdatePump
from bot.replies import ReplyBot
from core.transport import retry_seconds

logger = logging.getLogger(__name__)

# A server that does not hold long polls (some self-hosted or test servers) answers an empty
# getUpdates at once; polling again at once would spin a CPU. Wait this long, doubling to the cap.
IDLE_FIRST_WAIT = 0.25
IDLE_MAX_WAIT = 1.0


async def poll_forever(
    bot: ReplyBot, pump: UpdatePump, *, start_offset: int = 0, poll_seconds: int = 25
) -> None:
    """Fetches updates, stores them, and only then moves the offset past them."""
    offset = start_offset
    backoff = 1.0
    idle_wait = IDLE_FIRST_WAIT
    while True:
        asked = time.monotonic()
        try:
            payloads = await bot.raw_updates(offset=offset, wait_seconds=poll_seconds)
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
        if not payloads:
            backoff = 1.0
            if time.monotonic() - asked < poll_seconds / 2:  # the poll was not held
                await asyncio.sleep(idle_wait)
                idle_wait = min(idle_wait * 2, IDLE_MAX_WAIT)
            else:
                idle_wait = IDLE_FIRST_WAIT
            continue
        idle_wait = IDLE_FIRST_WAIT
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
