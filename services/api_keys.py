"""Issuing API keys: the scopes there are, a key's name, the key shown once and stored hashed."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repos import api_keys

# Every scope a key can hold; README "Integrations" lists what each allows.
SCOPES = (
    "cases:read",
    "cases:write",
    "customers:read",
    "customers:write",
    "products:read",
    "products:write",
    "technicians:read",
    "feedback:read",
    "reports:read",
)
KEY_PREFIX = "as_"
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


class KeyRefused(ValueError):
    """A key that cannot be made as asked."""


async def issue(session: AsyncSession, *, name: str, scopes: list[str], now: datetime) -> str:
    """Stores a new key's digest and returns the key (the only time it exists in clear)."""
    wanted = [s.strip() for s in scopes if s.strip()]
    unknown = [s for s in wanted if s not in SCOPES]
    if not wanted or unknown:
        raise KeyRefused(f"unknown or missing scopes: {','.join(unknown) or '-'}")
    if not NAME.match(name):
        raise KeyRefused(f"invalid name {name!r}: a-z, 0-9 and _.- only, at most 40")
    if await api_keys.key_named(session, name=name) is not None:
        raise KeyRefused(f"a key named {name!r} exists (revoked keys keep their name)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    await api_keys.create_key(
        session, name=name, key=key, scopes=list(dict.fromkeys(wanted)), now=now
    )
    return key
