"""Update queue of the sandbox: getUpdates long polling and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from core.waiting import wait_event
from sandbox.models import ApiError, bad_request
from sandbox.params import opt_bool, opt_int, opt_json, opt_str

logger = logging.getLogger(__name__)

# Update types Telegram leaves out unless explicitly listed in allowed_updates.
OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
WEBHOOK_ATTEMPTS = 5
WEBHOOK_BACKOFF = 0.05
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass
class Webhook:
    """The current webhook configuration."""

    url: str
    secret_token: str | None
    max_connections: int


def update_type(update: dict[str, Any]) -> str:
    """Return the kind of an update (its only key besides update_id)."""
    return next((k for k in update if k != "update_id"), "")


class UpdateQueue:
    """Unconfirmed updates, delivered by getUpdates or pushed to a webhook in order."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._pending: list[dict[str, Any]] = []
        self._last_id = 0
        self._dropped: dict[int, str] = {}
        self._changed = asyncio.Event()
        self._allowed: list[str] | None = None
        self._poll_generation = 0
        self._closing = False
        self.webhook: Webhook | None = None
        self._worker: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, seconds: float) -> bool:
        return await wait_event(self._changed, seconds)

    def _allows(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        if self._allowed is None or not self._allowed:
            return kind not in OPT_IN_TYPES
        return kind in self._allowed

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update, assigning the next update_id; return it."""
        self._last_id += 1
        stored = {
            "update_id": self._last_id,
            **{k: v for k, v in update.items() if k != "update_id"},
        }
        self._pending.append(stored)
        self._notify()
        if self.webhook is not None:
            self._ensure_worker()
        return self._last_id

    @property
    def last_id(self) -> int:
        """The update_id given to the newest update (0 before the first)."""
        return self._last_id

    def resume_after(self, update_id: int) -> None:
        """Number the next updates after update_id (a bot whose database saw earlier ones)."""
        self._last_id = max(self._last_id, update_id)

    @property
    def pending_count(self) -> int:
        """Number of updates not yet confirmed."""
        return len(self._pending)

    def is_acknowledged(self, update_id: int) -> bool:
        """True once the update is confirmed by the bot (raises if it was dropped)."""
        if update_id in self._dropped:
            raise RuntimeError(f"update {update_id} was dropped: {self._dropped[update_id]}")
        return all(u["update_id"] != update_id for u in self._pending)

    async def wait_acknowledged(self, update_id: int, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed update_id (next getUpdates offset or a webhook 2xx)."""
        if not 1 <= update_id <= self._last_id:
            raise ValueError(f"update {update_id} was never pushed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.is_acknowledged(update_id):
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                mode = f"webhook {self.webhook.url}" if self.webhook else "getUpdates"
                raise TimeoutError(
                    f"update {update_id} not acknowledged within {timeout}s via {mode} "
                    f"({len(self._pending)} pending)"
                )
            await self._wait_change(remaining)

    def _drop_pending(self, reason: str) -> None:
        for update in self._pending:
            self._dropped[update["update_id"]] = reason
        self._pending.clear()
        self._notify()

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        else:
            self._pending = self._pending[offset:]
        self._notify()

    def _select(self, limit: int) -> list[dict[str, Any]]:
        allowed = [u for u in self._pending if self._allows(u)]
        if len(allowed) != len(self._pending):
            self._pending = allowed
            self._notify()
        return [dict(u) for u in allowed[:limit]]

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Serve getUpdates with Telegram's offset/limit/timeout/allowed_updates semantics."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = opt_int(params, "offset")
        limit = min(max(opt_int(params, "limit") or 100, 1), 100)
        timeout = max(opt_int(params, "timeout") or 0, 0)
        allowed = opt_json(params, "allowed_updates")
        if allowed is not None:
            self._allowed = [str(a) for a in allowed]
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._select(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            await self._wait_change(remaining)

    def set_webhook(self, params: dict[str, Any]) -> None:
        """Apply setWebhook; an empty url removes the webhook."""
        url = opt_str(params, "url") or ""
        if opt_bool(params, "drop_pending_updates"):
            self._drop_pending("drop_pending_updates in setWebhook")
        allowed = opt_json(params, "allowed_updates")
        if allowed is not None:
            self._allowed = [str(a) for a in allowed]
        if not url:
            self.webhook = None
            self._notify()
            return
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = opt_str(params, "secret_token")
        if secret is not None and not _SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        self.webhook = Webhook(url, secret, opt_int(params, "max_connections") or 40)
        self._poll_generation += 1
        self._notify()
        self._ensure_worker()

    def delete_webhook(self, params: dict[str, Any]) -> None:
        """Apply deleteWebhook (optionally dropping pending updates)."""
        if opt_bool(params, "drop_pending_updates"):
            self._drop_pending("drop_pending_updates in deleteWebhook")
        self.webhook = None
        self._notify()

    def webhook_info(self) -> dict[str, Any]:
        """Return the WebhookInfo object."""
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            info["ip_address"] = "127.0.0.1"
        if self._allowed is not None:
            info["allowed_updates"] = self._allowed
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    def _ensure_worker(self) -> None:
        if self._closing or (self._worker is not None and not self._worker.done()):
            return
        self._worker = asyncio.get_running_loop().create_task(self._deliver_loop())

    async def _post(self, hook: Webhook, update: dict[str, Any]) -> str | None:
        """POST one update to the webhook; return an error message or None on 2xx."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._session.post(hook.url, json=update, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection failed: {exc!r}"

    async def _deliver_loop(self) -> None:
        attempts = 0
        while not self._closing and self.webhook is not None:
            hook = self.webhook
            if not self._pending:
                await self._wait_change(1.0)
                continue
            update = self._pending[0]
            if not self._allows(update):
                self._pending.pop(0)
                self._notify()
                continue
            error = await self._post(hook, update)
            if self._pending and self._pending[0] is update:
                if error is None:
                    attempts = 0
                    self._pending.pop(0)
                    self._notify()
                    continue
                attempts += 1
                self.last_error_date = int(self._now())
                self.last_error_message = error
                logger.warning(
                    "webhook delivery of update %s failed: %s", update["update_id"], error
                )
                if attempts >= WEBHOOK_ATTEMPTS:
                    attempts = 0
                    self._pending.pop(0)
                    self._dropped[update["update_id"]] = f"webhook delivery failed: {error}"
                    self._notify()
                    continue
                await asyncio.sleep(WEBHOOK_BACKOFF * 2 ** (attempts - 1))

    def reopen(self) -> None:
        """Accept long polls and webhook deliveries again (after close())."""
        self._closing = False
        if self.webhook is not None and self._pending:
            self._ensure_worker()

    async def close(self) -> None:
        """Wake all waiters, stop webhook delivery and release the HTTP session."""
        self._closing = True
        self._notify()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._session is not None:
            await self._session.close()
            self._session = None
