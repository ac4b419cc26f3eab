"""Mini App launch data: what Telegram signs is accepted, anything else refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from core.webapp_data import sign, verify

TOKEN = "123456:TEST-token"
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_signed_data_is_accepted() -> None:
    data = sign({"id": 42, "language_code": "zh-hans"}, TOKEN, signed_at=NOW)
    found = verify(data, TOKEN, now=NOW + timedelta(minutes=3), max_age=DAY)
    assert found is not None and found.user_id == 42 and found.language == "zh-hans"


def test_the_spec_example_shape_is_checked_field_by_field() -> None:
    data = dict(parse_qsl(sign({"id": 42}, TOKEN, signed_at=NOW)))
    data["user"] = data["user"].replace("42", "43")  # someone else's id, same hash
    assert verify(urlencode(data), TOKEN, now=NOW, max_age=DAY) is None


def test_another_bots_signature_is_refused() -> None:
    data = sign({"id": 42}, "999:other", signed_at=NOW)
    assert verify(data, TOKEN, now=NOW, max_age=DAY) is None


def test_stale_and_future_data_is_refused() -> None:
    data = sign({"id": 42}, TOKEN, signed_at=NOW)
    assert verify(data, TOKEN, now=NOW + DAY + timedelta(seconds=1), max_age=DAY) is None
    assert verify(data, TOKEN, now=NOW - timedelta(hours=1), max_age=DAY) is None


def test_garbage_is_refused() -> None:
    for junk in ("", "hash=", "a=b&hash=00", "%%%", "user=x&auth_date=1&hash=zz", "&&&"):
        assert verify(junk, TOKEN, now=NOW, max_age=DAY) is None
