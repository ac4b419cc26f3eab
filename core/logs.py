"""Logging set-up: plain text or one JSON object per line, with update id and case number
where they apply, and never a phone number or the bot token."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from core.settings import Settings

CONTEXT_FIELDS = ("case", "update_id")
_context: ContextVar[dict[str, object] | None] = ContextVar("log_context", default=None)

# "+86 138 0013 8000", "+8613800138000", and bare Chinese mobile numbers "13800138000".
PHONE = re.compile(r"\+\d[\d \-]{5,17}\d|(?<![\w.])1[3-9]\d{9}(?![\w.])")
# A bot token anywhere, e.g. inside a Bot API URL: 123456789:AAE...
TOKEN = re.compile(r"\b\d{3,12}:[A-Za-z0-9_-]{3,}")


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Adds fields (update_id, case) to every log line written inside the block."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """The text with phone numbers and tokens masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
    text = TOKEN.sub("<token>", text)
    return PHONE.sub("<phone>", text)


class ContextFilter(logging.Filter):
    """Puts the current update id and case number on records that do not carry them."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Adds the context fields; never drops a record."""
        for key, value in (_context.get() or {}).items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


class RedactFilter(logging.Filter):
    """Masks phone numbers and the bot token in every message and traceback."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets
        self._plain = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrites the record's text in place; never drops a record."""
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._plain.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class TextFormatter(logging.Formatter):
    """Human-readable lines, with the update id and case number appended when known."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Renders the record."""
        line = super().format(record)
        extras = [f"{f}={getattr(record, f)}" for f in CONTEXT_FIELDS if hasattr(record, f)]
        if not extras:
            return line
        head, _, tail = line.partition("\n")
        return f"{head} [{' '.join(extras)}]" + (f"\n{tail}" if tail else "")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line, with case number and update id when present."""

    def format(self, record: logging.LogRecord) -> str:
        """Renders the record."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info or record.exc_text:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False, default=str)


def build_handler(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """The one log handler: the configured format, context fields, masking."""
    handler: logging.Handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    secrets = tuple(
        secret.get_secret_value()
        for secret in (settings.bot_token, settings.webhook_secret)
        if secret is not None
    )
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactFilter(secrets))
    return handler


def setup_logging(settings: Settings) -> None:
    """Configures the root logger once from the settings."""
    root = logging.getLogger()
    root.handlers[:] = [build_handler(settings)]
    root.setLevel(settings.log_level.upper())
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # At DEBUG these libraries log SQL parameters and request payloads: personal data.
    # SQLAlchemy logs every statement at INFO (it defaults itself to WARNING; keep that).
    for name in ("sqlalchemy", "aiosqlite", "asyncpg"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(root.level, logging.INFO))
