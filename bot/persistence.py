"""Dialog state and user data in the database, one row per key, so dialogs survive restarts.

During update processing the writes join the update's own transaction (they are collected and
written by the pump after the handlers ran); outside of it they get a session of their own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput

from bot.context import BotData, UnitOfWork, current_unit, units_by_owner
from core.clock import Clock
from storage.repos import state

logger = logging.getLogger(__name__)

DELETE = object()
REFRESH = timedelta(hours=1)
MAX_REMEMBERED = 50_000

# BasePersistence's key and mapping of conversation states, spelled as PTB does: its own
# names for them live in a private module of telegram.ext.
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]


class PendingWrite:
    """A persistence write waiting for the update's transaction."""

    __slots__ = ("data", "key", "namespace")

    def __init__(self, namespace: str, key: str, data: Any) -> None:
        self.namespace = namespace
        self.key = key
        self.data = data


class DbPersistence(BasePersistence[dict[str, Any], dict[str, Any], BotData]):
    """PTB persistence backed by the persisted_state table."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, ttl: timedelta
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=60,
        )
        self.sessions = sessions
        self.clock = clock
        self.ttl = ttl
        # What each key last committed as (canonical JSON) and when: PTB hands over a user's
        # and a chat's data after every update, changed or not; unchanged data is written only
        # to push its expiry on, at most every REFRESH.
        self._committed: dict[tuple[str, str], tuple[str, datetime]] = {}

    def changed(self, writes: list[PendingWrite], now: datetime) -> list[PendingWrite]:
        """The writes that change something, or whose key's expiry is due to be pushed on."""
        return [write for write in writes if self._changes(write, now)]

    def _changes(self, write: PendingWrite, now: datetime) -> bool:
        if write.data is DELETE:
            return True
        last = self._committed.get((write.namespace, write.key))
        return last is None or last[0] != _canonical(write.data) or now - last[1] >= REFRESH

    def committed(self, writes: list[PendingWrite], now: datetime) -> None:
        """Remembers writes their transaction has committed."""
        if len(self._committed) > MAX_REMEMBERED:
            self._committed.clear()  # a forgotten key costs one write, nothing more
        for write in writes:
            where = (write.namespace, write.key)
            if write.data is DELETE:
                self._committed.pop(where, None)
            else:
                self._committed[where] = (_canonical(write.data), now)

    async def _load(self, namespace: str) -> dict[str, Any]:
        async with self.sessions() as session:
            return await state.load_namespace(session, namespace=namespace, now=self.clock.now())

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        """Loads every user's data."""
        return {int(k): v for k, v in (await self._load("user_data")).items()}

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        """Loads every chat's data."""
        return {int(k): v for k, v in (await self._load("chat_data")).items()}

    async def get_bot_data(self) -> BotData:
        """Bot data is not persisted; it holds the live services."""
        return BotData()

    async def get_callback_data(self) -> None:
        """Arbitrary callback data is not used."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """Loads the states of one conversation handler."""
        rows = await self._load(conversation_namespace(name))
        return {tuple(json.loads(key)): value for key, value in rows.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Stores (or clears) one conversation's state."""
        await self._write(
            conversation_namespace(name),
            conversation_row_key(key),
            DELETE if new_state is None else new_state,
        )

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Stores one user's data."""
        await self._write("user_data", str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Stores one chat's data."""
        await self._write("chat_data", str(chat_id), data)

    async def update_bot_data(self, data: BotData) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is not persisted."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forgets a chat's data."""
        await self._write("chat_data", str(chat_id), DELETE)

    async def drop_user_data(self, user_id: int) -> None:
        """Forgets a user's data."""
        await self._write("user_data", str(user_id), DELETE)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_bot_data(self, bot_data: BotData) -> None:
        """Nothing to refresh."""

    async def flush(self) -> None:
        """Every write already reached the database."""

    async def _write(self, namespace: str, key: str, data: Any) -> None:
        """Joins the update's transaction when there is one, else writes at once."""
        unit = _owner_unit(namespace, key) or current_unit.get()
        if unit is not None:
            unit.writes.append(PendingWrite(namespace, key, data))
            return
        async with self.sessions() as session, session.begin():
            await apply_write(session, PendingWrite(namespace, key, data), self.clock, self.ttl)


def conversation_namespace(name: str) -> str:
    """Where one conversation handler's states are stored."""
    return f"conv:{name}"


def conversation_row_key(key: ConversationKey) -> str:
    """A conversation's stored key: its chat and user ids as a JSON list."""
    return json.dumps(list(key))


def _canonical(data: Any) -> str:
    """The data as comparable text."""
    return json.dumps(data, sort_keys=True, default=str)


def _owner_unit(namespace: str, key: str) -> UnitOfWork | None:
    """The unit of the update now processing this key's chat or user, if any."""
    try:
        if namespace == "user_data":
            return units_by_owner.get(("user", int(key)))
        if namespace == "chat_data":
            return units_by_owner.get(("chat", int(key)))
        if namespace.startswith("conv:"):
            parts = json.loads(key)
            return units_by_owner.get(("chat", int(parts[0]))) if parts else None
    except (ValueError, TypeError):
        return None
    return None


async def apply_writes(
    session: AsyncSession, writes: list[PendingWrite], clock: Clock, ttl: timedelta
) -> None:
    """Writes an update's persistence changes in its session: one statement for the upserts."""
    now = clock.now()
    last = {(write.namespace, write.key): write for write in writes}  # a key once, as it ends
    writes = list(last.values())
    for write in writes:
        if write.data is DELETE:
            await state.remove(session, namespace=write.namespace, key=write.key)
    await state.put_many(
        session,
        items=[(w.namespace, w.key, w.data) for w in writes if w.data is not DELETE],
        now=now,
        expires_at=now + ttl,
    )


async def apply_write(
    session: AsyncSession, write: PendingWrite, clock: Clock, ttl: timedelta
) -> None:
    """Writes one persistence change in the given session."""
    await apply_writes(session, [write], clock, ttl)
