"""Updates whose answers have all gone out, noted in the inbox a little later.

An update's answers commit with it (the inbox row's `replies`) and go out after the commit;
until the row is marked, a restart sends them again (UpdatePump.resend_unsent). Marking each
row in a transaction of its own would double the writes, so the marks ride along with the next
update's transaction, at most every FORGET_EVERY seconds; when no update comes, the pump marks
them on its own once that time is up. Either way, a crash sends again at most the answers of
about the last FORGET_EVERY seconds.
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repos import inbox

# Seconds between markings of sent answers: after a crash, at most the answers of about this
# long before it go out a second time.
FORGET_EVERY = 0.5


class SentAnswers:
    """The inbox ids whose answers went out and are not yet marked, and when to mark them."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._next_at = 0.0

    def __bool__(self) -> bool:
        return bool(self._ids)

    def add(self, inbox_id: int) -> None:
        """Notes an update whose answers have all gone out."""
        self._ids.add(inbox_id)

    def put_back(self, inbox_ids: set[int]) -> None:
        """Ids taken by a transaction that did not commit: marked by a later one."""
        self._ids |= inbox_ids

    def due(self) -> bool:
        """True when there is something to mark and the last marking is FORGET_EVERY ago."""
        return bool(self._ids) and time.monotonic() >= self._next_at

    def seconds_until_due(self, longest: float) -> float:
        """How long the pump may wait before it must mark them (at most `longest`)."""
        if not self._ids:
            return longest
        return min(longest, max(0.0, self._next_at - time.monotonic()))

    async def mark(self, session: AsyncSession, *, due: bool = False) -> set[int]:
        """Marks the sent answers in the session, if due (or if told it is).

        Returns the inbox ids taken, which the caller puts back if the session does not commit.
        Taken at once, so that no other transaction updates the same rows meanwhile (on
        PostgreSQL it would wait for this one's row locks, and updates of unrelated chats
        would queue behind each other).
        """
        if not self._ids or not (due or self.due()):
            return set()
        self._next_at = time.monotonic() + FORGET_EVERY
        taken, self._ids = self._ids, set()
        try:
            await inbox.replies_sent(session, inbox_ids=taken)
        except BaseException:
            self._ids |= taken
            raise
        return taken
