"""API keys: stored as SHA-256 digests (like the dashboard's tokens), listed, revoked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiKey
from storage.repos.dashboard import digest
from storage.repos.rows import add as add_row


async def create_key(
    session: AsyncSession, *, name: str, key: str, scopes: list[str], now: datetime
) -> ApiKey:
    """Stores a new key's digest under a unique name."""
    row = ApiKey(
        name=name, digest=digest(key), prefix=key[:12], scopes=",".join(scopes), created_at=now
    )
    return await add_row(session, row)


async def key_named(session: AsyncSession, *, name: str) -> ApiKey | None:
    """The key with this name, revoked or not."""
    return await session.scalar(select(ApiKey).where(ApiKey.name == name))


async def live_key(session: AsyncSession, *, key: str) -> ApiKey | None:
    """The unrevoked key a bearer token stands for, or None."""
    return await session.scalar(
        select(ApiKey).where(ApiKey.digest == digest(key), ApiKey.revoked_at.is_(None))
    )


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key, oldest first."""
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.id)))


async def revoke_key(session: AsyncSession, *, name: str, now: datetime) -> bool:
    """Revokes a live key by name; False when there is none."""
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiKey.id)
    )
    return result.scalar_one_or_none() is not None


async def mark_used(session: AsyncSession, *, key_id: int, now: datetime) -> None:
    """Records when a key was last used."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
