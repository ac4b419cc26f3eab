"""Checks on what people type: length, invisible characters, phone numbers, serials."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn"}
SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,39}$")


class InputError(ValueError):
    """Input that cannot be accepted; `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_text(text: str | None, *, max_length: int, min_length: int = 1) -> str:
    """Strips control and zero-width characters; refuses empty or over-long text."""
    if text is None:
        raise InputError("empty")
    normalized = unicodedata.normalize("NFC", text)
    kept = "".join(
        ch for ch in normalized if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE
    )
    cleaned = re.sub(r"[ \t]+", " ", kept).strip()
    if len(cleaned) < min_length:
        raise InputError("empty")
    if len(cleaned) > max_length:
        raise InputError("too_long")
    return cleaned


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """Returns the number in E.164 form, or raises InputError("phone")."""
    candidate = raw.strip()
    if candidate and candidate[0].isdigit() and len(re.sub(r"\D", "", candidate)) > 11:
        candidate = "+" + candidate
    try:
        parsed = phonenumbers.parse(candidate, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InputError("phone") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InputError("phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_serial(raw: str) -> str:
    """Upper-cases a serial number and checks its shape."""
    serial = raw.strip().upper()
    if not SERIAL_RE.match(serial):
        raise InputError("serial")
    return serial


def mask_phone(phone: str | None) -> str:
    """Shows a phone number with its middle hidden, for logs and lists."""
    if not phone:
        return "-"
    return phone[:4] + "****" + phone[-3:] if len(phone) > 7 else "****"
