"""Real `aftersales run` processes for crash, restart and failover tests.

The test process hosts the local Bot API server; each bot is a subprocess configured only
through its environment, whose log lines are collected so a test can wait for one. Users are
driven step by step: a step is done when the bot stored *and* processed the update (checked
in the database), so it survives a bot being killed and another taking over.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sandbox.botapi import BotApiServer
from sandbox.users import SandboxUser
from storage.models import InboxUpdate
from tests.harness import TOKEN

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_environment(
    server: BotApiServer,
    *,
    database_url: str,
    schema: str | None = None,
    http_port: int | None = None,
    **settings: str,
) -> dict[str, str]:
    """The environment of a bot process: this machine's, minus any AFTERSALES_* of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            "AFTERSALES_BOT_TOKEN": TOKEN,
            "AFTERSALES_TELEGRAM_BASE_URL": server.base_url,
            "AFTERSALES_DATABASE_URL": database_url,
            "AFTERSALES_HTTP_HOST": "127.0.0.1",
            "AFTERSALES_HTTP_PORT": str(http_port or free_port()),
            "AFTERSALES_DEFAULT_LANGUAGE": "en",
            "AFTERSALES_LOG_LEVEL": "INFO",
        }
    )
    if schema:
        env["AFTERSALES_DATABASE_SCHEMA"] = schema
    env.update({f"AFTERSALES_{key.upper()}": value for key, value in settings.items()})
    return env


class BotProcess:
    """One `python -m aftersales.cli run` subprocess and everything it logged."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.env = env
        # A directory of its own, so no developer's .env is picked up.
        self.workdir = workdir
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process is not None
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code, once it exited."""
        return None if self.process is None else self.process.returncode

    async def readiness(self) -> dict[str, Any]:
        """What the process's /readyz says (status, role, checks)."""
        url = f"http://127.0.0.1:{self.env['AFTERSALES_HTTP_PORT']}/readyz"
        async with aiohttp.ClientSession() as client, client.get(url) as response:
            body: dict[str, Any] = await response.json()
            return body

    async def start(self, *args: str) -> None:
        """Starts `aftersales run` (or another subcommand given as args)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "aftersales.cli",
            *(args or ("run",)),
            cwd=self.workdir,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        """Collects log lines as they come."""
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode(errors="replace").rstrip())
            self._changed.set()
        self._changed.set()

    def logged(self, needle: str) -> bool:
        """True if a log line contains the text."""
        return any(needle in line for line in self.lines)

    async def wait_for_log(self, *needles: str, timeout: float = 20.0) -> str:  # noqa: ASYNC109
        """Waits until a log line contains one of the texts, and returns that text; fails with
        the log if none comes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (found := [needle for needle in needles if self.logged(needle)]):
            if self.returncode is not None and self._reader is not None and self._reader.done():
                raise AssertionError(f"{self.name} exited ({self.returncode}):\n{self.log()}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{self.name} never logged {needles!r}:\n{self.log()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
        return found[0]

    def log(self, last: int = 60) -> str:
        """The last log lines, for failure messages."""
        return "\n".join(self.lines[-last:])

    async def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-work, as in a power cut."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.wait()

    async def stop(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """SIGTERM, as systemd or docker stop do; SIGKILL if it hangs. Returns the exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.wait(), timeout)
            except TimeoutError:
                await self.kill()
        return self.process.returncode or 0

    async def wait(self) -> int:
        """Waits for the process to end and its output to be read."""
        assert self.process is not None
        code = await self.process.wait()
        if self._reader is not None:
            await self._reader
        return code


class _Watch:
    """One poll of the inbox for every update some driver waits on.

    Fifty customers each polling for their own update made a thousand queries a second, and
    on two cores the test process's polling took the CPU the bots under test needed.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.waiting: dict[int, list[asyncio.Future[None]]] = {}
        self.task: asyncio.Task[None] | None = None

    async def wait(self, update_id: int, timeout: float) -> None:  # noqa: ASYNC109
        """Waits until the update is processed and its answers sent."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(update_id, []).append(future)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._poll())
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"update {update_id} not processed within {timeout}s") from None
        finally:
            waiters = self.waiting.get(update_id, [])
            if future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self.waiting[update_id]

    async def _poll(self) -> None:
        """Every 50 ms, one query for all awaited updates, until none is awaited."""
        while self.waiting:
            async with self.sessions() as session:
                # Processed, and its answers sent (they go out after the commit).
                done = set(
                    await session.scalars(
                        select(InboxUpdate.update_id).where(
                            InboxUpdate.update_id.in_(list(self.waiting)),
                            InboxUpdate.processed_at.is_not(None),
                            InboxUpdate.replies.is_(None),
                        )
                    )
                )
            for update_id in done:
                for future in self.waiting.pop(update_id, []):
                    if not future.done():
                        future.set_result(None)
            await asyncio.sleep(0.05)


_watches: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], _Watch] = (
    weakref.WeakKeyDictionary()
)


async def processed(
    sessions: async_sessionmaker[AsyncSession],
    update_id: int,
    timeout: float = 30.0,  # noqa: ASYNC109
) -> None:
    """Waits until the update is stored and processed by whichever bot is active."""
    watch = _watches.get(sessions)
    if watch is None:
        watch = _watches[sessions] = _Watch(sessions)
    await watch.wait(update_id, timeout)


Step = Callable[[SandboxUser], int]


def text(value: str) -> Step:
    """The user types a text."""
    return lambda user: user.send_text(value)


def press(label: str) -> Step:
    """The user presses the newest inline button with this label."""
    return lambda user: user.press(label)


def contact(phone: str) -> Step:
    """The user shares their own phone number."""
    return lambda user: user.send_contact(phone)


async def drive(
    sessions: async_sessionmaker[AsyncSession],
    user: SandboxUser,
    steps: Iterable[Step],
    *,
    done: Callable[[], Any] | None = None,
) -> list[int]:
    """Performs the steps one after another, each once processed; returns the update ids."""
    update_ids: list[int] = []
    for step in steps:
        update_id = step(user)
        update_ids.append(update_id)
        await processed(sessions, update_id)
        if done is not None:
            done()
    return update_ids
