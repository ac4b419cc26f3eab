"""Waiting on an asyncio event with a time limit, without losing a cancellation.

On Python 3.11, `asyncio.wait_for` swallows a cancellation that arrives just as the awaited
event is set (fixed in 3.12), and a loop built on it then never stops: a shutdown hung on it.
`asyncio.timeout` has no such race.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Waits until the event is set (True) or the seconds have passed (False)."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True
