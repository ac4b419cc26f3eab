"""Bot API requests over aiohttp instead of PTB's default httpx.

Every answer the bot gives is one HTTP call; with httpx each call cost about as much CPU as
the database work of the update (bench: throughput). aiohttp's client, already used by the web
app, costs a fraction of that. Behaviour follows PTB's HTTPXRequest: the same timeouts, and
its errors mapped to TimedOut and NetworkError.

Built on PTB's public request API only (`telegram.request.BaseRequest`, `RequestData`,
`telegram.error`): a timeout a call did not name arrives as `BaseRequest.DEFAULT_NONE`, which
PTB documents to be checked by identity.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A PTB request backend on one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call names none."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Opens the session (once)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Closes the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # `object`: PTB's own name for "seconds, None or DEFAULT_NONE" (ODVInput) is private.
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Makes one call; returns its status code and body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, 1.0)
        # aiohttp's connect time includes the wait for a free connection of the pool; it has
        # no write timeout of its own: a whole call is bounded by the sum.
        limits = (connect, pool, write, read)
        timeout = aiohttp.ClientTimeout(
            total=None if None in limits else sum(t for t in limits if t is not None),
            connect=None if connect is None or pool is None else connect + pool,
            sock_read=read,
        )
        body: Any = None
        headers = {"User-Agent": self.USER_AGENT}
        if files:
            form = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None:
            # Encoded here: aiohttp's FormData for a plain dict costs more than the call itself.
            body = urlencode(request_data.json_parameters).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


# Failures before the request left this host: nothing can have been delivered.
NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def may_have_arrived(exc: NetworkError) -> bool:
    """Whether a call that failed in transit may still have reached Telegram.

    A refusal (an error answer) or a failure to connect delivered nothing; a timeout or a
    connection lost after sending leaves it unknown.
    """
    cause = exc.__cause__
    return isinstance(cause, aiohttp.ClientError | TimeoutError) and not isinstance(
        cause, NOT_SENT
    )


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (PTB gives an int or a timedelta)."""
    wait = exc.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


def _given(value: object, default: float | None) -> float | None:
    """A call's own timeout (seconds or None for none), else the default."""
    if value is None or isinstance(value, int | float):
        return value
    # BaseRequest.DEFAULT_NONE: the call named no timeout (as HTTPXRequest, any default marker).
    return default
