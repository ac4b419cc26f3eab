"""Telegram-like flood control for the sandbox's sending methods."""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable

logger = logging.getLogger(__name__)

SENDING_METHODS = frozenset(
    {"sendmessage", "sendphoto", "sendmediagroup", "senddocument", "sendlocation"}
)
GLOBAL_PER_SECOND = 30
PRIVATE_PER_SECOND = 1
GROUP_PER_MINUTE = 20


class RateLimiter:
    """Sliding-window message counters: overall, per private chat and per group."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._sent: deque[tuple[float, int]] = deque()

    def _prune(self, at: float) -> None:
        while self._sent and self._sent[0][0] <= at - 60.0:
            self._sent.popleft()

    def retry_after(self, chat_id: int) -> int | None:
        """Return seconds to wait if one more message to chat_id would exceed a limit."""
        at = self._now()
        self._prune(at)
        waits: list[float] = []
        last_second = [t for t, _ in self._sent if t > at - 1.0]
        if len(last_second) >= GLOBAL_PER_SECOND:
            waits.append(last_second[-GLOBAL_PER_SECOND] + 1.0 - at)
        if chat_id > 0:
            mine = [t for t, c in self._sent if c == chat_id and t > at - 1.0]
            if len(mine) >= PRIVATE_PER_SECOND:
                waits.append(mine[-PRIVATE_PER_SECOND] + 1.0 - at)
        else:
            mine = [t for t, c in self._sent if c == chat_id]
            if len(mine) >= GROUP_PER_MINUTE:
                waits.append(mine[-GROUP_PER_MINUTE] + 60.0 - at)
        if not waits:
            return None
        return max(1, math.ceil(max(waits)))

    def record(self, chat_id: int) -> None:
        """Count one message sent to chat_id now."""
        self._sent.append((self._now(), chat_id))
