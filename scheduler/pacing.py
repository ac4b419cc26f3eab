"""Telegram's sending limits as a pacer: how long to wait before one more message to a chat.

Measured in real (monotonic) time, whatever clock decides what is due: the limits are the
Bot API's, and they run on the wall clock. A pacer only ever asks for a wait when one more
message would actually exceed a limit, so a quiet bot (and a test) never waits.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

GROUP_WINDOW = 60.0


class Pacer:
    """Sliding windows: overall messages per second, per-chat spacing, per-group minute cap."""

    def __init__(
        self,
        *,
        per_second: float = 30.0,
        chat_interval: float = 1.0,
        group_per_minute: int = 20,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = max(1, int(per_second))
        self.chat_interval = chat_interval
        self.group_per_minute = max(1, group_per_minute)
        self._now = monotonic
        self._recent: deque[float] = deque()
        self._last_by_chat: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}

    def wait(self, chat_id: int) -> float:
        """Seconds to wait before one more message to this chat keeps every limit (0: now)."""
        now = self._now()
        self._prune(now)
        waits = [0.0]
        if len(self._recent) >= self.per_second:
            waits.append(self._recent[-self.per_second] + 1.0 - now)
        last = self._last_by_chat.get(chat_id)
        if last is not None:
            waits.append(last + self.chat_interval - now)
        if chat_id < 0:
            sent = self._groups.get(chat_id)
            if sent is not None and len(sent) >= self.group_per_minute:
                waits.append(sent[-self.group_per_minute] + GROUP_WINDOW - now)
        return max(waits)

    def record(self, chat_id: int) -> None:
        """Counts one message just sent to this chat."""
        now = self._now()
        self._recent.append(now)
        self._last_by_chat[chat_id] = now
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)

    def _prune(self, now: float) -> None:
        """Forgets what no limit looks at any more."""
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._last_by_chat) > 10_000:
            horizon = now - self.chat_interval
            self._last_by_chat = {c: t for c, t in self._last_by_chat.items() if t > horizon}
        for chat_id in list(self._groups):
            sent = self._groups[chat_id]
            while sent and sent[0] <= now - GROUP_WINDOW:
                sent.popleft()
            if not sent:
                del self._groups[chat_id]
