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
    """A key that cannot be made as asked: `code` is the reason, `value` the culprit."""

    def __init__(self, code: str, value: str) -> None:
        reason = {
            "scopes": f"unknown or missing scopes: {value}",
            "name": f"invalid name {value!r}: a-z, 0-9 and _.- only, at most 40",
            "exists": f"a key named {value!r} exists (revoked keys keep their name)",
        }[code]
        super().__init__(reason)
        self.code, self.value = code, value


async def issue(session: AsyncSession, *, name: str, scopes: list[str], now: datetime) -> str:
    """Stores a new key's digest and returns the key (the only time it exists in clear)."""
    wanted = [s.strip() for s in scopes if s.strip()]
    unknown = [s for s in wanted if s not in SCOPES]
    if not wanted or unknown:
        raise KeyRefused("scopes", ",".join(unknown) or "-")
    if not NAME.match(name):
        raise KeyRefused("name", name)
    if await api_keys.key_named(session, name=name) is not None:
        raise KeyRefused("exists", name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    await api_keys.create_key(
        session, name=name, key=key, scopes=list(dict.fromkeys(wanted)), now=now
    )
    return key
