"""Telegram Mini App launch data (`initData`): signing and checking, as Telegram's docs define.

The data-check string is every field but `hash`, as `key=value` lines sorted by key; the secret
is HMAC-SHA256 of the bot token keyed with "WebAppData"; `hash` is HMAC-SHA256 of the string
with that secret, in hex. The sandbox signs with the same function the web app checks with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode


@dataclass(frozen=True)
class LaunchData:
    """Who opened the Mini App, and when Telegram signed that."""

    user_id: int
    language: str | None
    signed_at: datetime


def _secret(bot_token: str) -> bytes:
    """The key every launch of this bot is signed with."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _digest(fields: dict[str, str], bot_token: str) -> str:
    """The hex signature of the fields (all but `hash`)."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")
    return hmac.new(_secret(bot_token), check.encode(), hashlib.sha256).hexdigest()


def sign(user: dict[str, Any], bot_token: str, *, signed_at: datetime) -> str:
    """Launch data for a user, signed as Telegram signs it (the sandbox and tests use this)."""
    fields = {
        "auth_date": str(int(signed_at.timestamp())),
        "query_id": "sandbox",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
    }
    fields["hash"] = _digest(fields, bot_token)
    return urlencode(fields)


def verify(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta
) -> LaunchData | None:
    """The launch data if Telegram signed it for this bot and it is fresh; None otherwise."""
    try:
        fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return None
    given = fields.get("hash", "")
    if not given or not hmac.compare_digest(given, _digest(fields, bot_token)):
        return None
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        return None
    if not timedelta(minutes=-5) <= now - signed_at <= max_age:
        return None
    language = user.get("language_code")
    return LaunchData(user_id, language if isinstance(language, str) else None, signed_at)
