"""Who calls the API: bearer keys, their scopes, and a per-key rate limit (a token bucket)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from aiohttp import web

from storage.repos import api_keys
from web.deps import deps_key

# last_used_at is a convenience for `api-key list`: written at most this often per key, so a
# busy integration does not turn every read into a write.
USED_WRITE_SECONDS = 60.0


@dataclass(frozen=True)
class Caller:
    """The integration behind a request."""

    key_id: int
    name: str
    scopes: frozenset[str]

    @property
    def label(self) -> str:
        """How the timeline names this key's writes."""
        return f"api:{self.name}"


class ApiRefusal(Exception):
    """A request refused before it reaches a view: answered with this status and code."""

    def __init__(self, status: int, error: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.retry_after = retry_after


def bearer(request: web.Request) -> str | None:
    """The key in `Authorization: Bearer <key>`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


@dataclass
class RateLimiter:
    """A token bucket per key: `per_minute` requests, refilled evenly over the minute."""

    per_minute: int
    buckets: dict[int, tuple[float, float]] = field(default_factory=dict)
    used_written: dict[int, float] = field(default_factory=dict)

    def take(self, key_id: int, now: float) -> int | None:
        """Takes one request's token; None if allowed, else whole seconds until one is back."""
        capacity = float(self.per_minute)
        per_second = capacity / 60.0
        tokens, then = self.buckets.get(key_id, (capacity, now))
        tokens = min(capacity, tokens + max(0.0, now - then) * per_second)
        if tokens >= 1.0:
            self.buckets[key_id] = (tokens - 1.0, now)
            return None
        self.buckets[key_id] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / per_second))

    def due_for_used_write(self, key_id: int, now: float) -> bool:
        """Whether this key's last_used_at should be written now."""
        if now - self.used_written.get(key_id, -math.inf) < USED_WRITE_SECONDS:
            return False
        self.used_written[key_id] = now
        return True


limiter_key = web.AppKey("api_limiter", RateLimiter)


async def authenticate(request: web.Request, scope: str) -> Caller:
    """The caller of a request holding `scope`; refuses (401, 403, 429) otherwise."""
    token = bearer(request)
    if token is None:
        raise ApiRefusal(401, "unauthorized", "Send the API key as 'Authorization: Bearer <key>'.")
    deps = request.app[deps_key]
    async with deps.reads() as session:
        row = await api_keys.live_key(session, key=token)
    if row is None:
        raise ApiRefusal(401, "unauthorized", "Unknown or revoked API key.")
    caller = Caller(row.id, row.name, row.scope_set)
    if scope not in caller.scopes:
        raise ApiRefusal(403, "forbidden", f"This key lacks the scope {scope}.")
    limiter = request.app[limiter_key]
    now = deps.clock.now()
    wait = limiter.take(caller.key_id, now.timestamp())
    if wait is not None:
        raise ApiRefusal(429, "rate_limited", "Too many requests for this key.", retry_after=wait)
    if limiter.due_for_used_write(caller.key_id, now.timestamp()):
        async with deps.sessions() as session, session.begin():
            await api_keys.mark_used(session, key_id=caller.key_id, now=now)
    return caller
