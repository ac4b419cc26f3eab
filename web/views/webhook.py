"""The Telegram webhook: checks the secret, stores the update in the inbox, then answers 200."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from domain.parsing import is_telegram_number
from web.deps import deps_key

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def receive(request: web.Request) -> web.Response:
    """Refuses a wrong secret (403), a malformed body (400), a huge one (413); stores the rest."""
    deps = request.app[deps_key]
    secret = deps.settings.webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if secret is None or not hmac.compare_digest(
        given.encode(), secret.get_secret_value().encode()
    ):
        logger.warning("webhook request with a wrong secret token from %s", request.remote)
        raise web.HTTPForbidden()
    body = await request.read()  # raises 413 past client_max_size
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise web.HTTPBadRequest(text="malformed JSON") from None
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if not is_telegram_number(
        update_id
    ):  # Telegram counts from 1; past BIGINT no inbox row could hold it
        raise web.HTTPBadRequest(text="not a Telegram update")
    try:  # refuse here what the bot could never read, rather than store it
        message = Update.de_json(payload, None).effective_message
    except Exception:
        raise web.HTTPBadRequest(text="not a Telegram update") from None
    if message is not None and message.chat is None:
        raise web.HTTPBadRequest(text="not a Telegram update")
    if deps.inbox is None:
        raise web.HTTPServiceUnavailable()
    new = await deps.inbox.ingest([payload])
    deps.metrics.webhook_requests.labels("new" if new else "duplicate").inc()
    if not new:
        logger.info("update redelivered; ignored", extra={"update_id": update_id})
    return web.Response(text="ok")
