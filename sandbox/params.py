"""Typed access to Bot API request parameters, whatever encoding they arrived in."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sandbox.models import bad_request

logger = logging.getLogger(__name__)

# Parameters that are free text or identifiers: never JSON-decode them.
STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "data",
        "url",
        "secret_token",
        "file_id",
        "photo",
        "document",
        "video",
        "audio",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "query",
        "title",
        "description",
        "short_description",
        "name",
        "first_name",
        "last_name",
        "phone_number",
        "address",
        "question",
        "emoji",
        "action",
        "parse_mode",
        "caption_parse_mode",
        "explanation",
        "explanation_parse_mode",
        "business_connection_id",
        "message_effect_id",
        "inline_message_id",
        "ip_address",
        "certificate",
        "language_code",
        "payload",
        "performer",
        "vcard",
    }
)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


def normalize(key: str, value: Any) -> Any:
    """Decode a form/JSON value: numbers, booleans and objects sent as JSON strings."""
    if not isinstance(value, str) or key in STRING_KEYS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def opt_str(params: dict[str, Any], key: str) -> str | None:
    """Return an optional string parameter."""
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise bad_request(f'field "{key}" must be of type String')


def req_str(params: dict[str, Any], key: str) -> str:
    """Return a required string parameter."""
    value = opt_str(params, key)
    if value is None:
        raise bad_request(f"{key} is empty" if key in ("text", "url") else f"{key} is required")
    return value


def opt_int(params: dict[str, Any], key: str) -> int | None:
    """Return an optional integer parameter."""
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise bad_request(f'field "{key}" must be of type Integer')
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise bad_request(f'field "{key}" must be of type Integer')


def req_int(params: dict[str, Any], key: str) -> int:
    """Return a required integer parameter."""
    value = opt_int(params, key)
    if value is None:
        raise bad_request(f"{key} is empty")
    return value


def opt_float(params: dict[str, Any], key: str) -> float | None:
    """Return an optional float parameter."""
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise bad_request(f'field "{key}" must be of type Float')


def opt_bool(params: dict[str, Any], key: str) -> bool:
    """Return a boolean parameter (absent means False)."""
    value = params.get(key)
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def opt_json(params: dict[str, Any], key: str) -> Any:
    """Return a parameter that is a JSON object or array (decoded if it came as a string)."""
    value = params.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {key} JSON object") from exc
    return value
