"""The load side of the throughput benchmark, in a process of its own.

In production Telegram's servers and the customers' phones are not in the bot's process. Here
the sandbox Bot API server and the simulated customers run in a child process, so their work
(building updates, answering getUpdates, counting replies) does not queue on the bot's one
interpreter and the measured latency is the bot's. The child is driven over a pipe: the parent
gets the server's address, starts its bot against it, then asks for a calibration or a drive and
gets the latencies back.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import traceback
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from bench.common import TOKEN, CountingServer
from core.clock import ManualClock
from sandbox.users import SandboxUser

# (kind, value) steps of one customer's script; "press" presses an inline button.
Steps = tuple[tuple[str, str], ...]


class LoadSide:
    """The child process holding the sandbox server and the customers, seen from the bot's side."""

    def __init__(self, *, manual_clock: bool) -> None:
        # A fresh interpreter, as "spawn" gives, but forked from a server process that has
        # imported the load side once: a spawn per measurement re-imported the bot's libraries
        # each time (2-10 s, most of a tiny run).
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bench.loadside", "bench.throughput"])
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, manual_clock), name="bench-load", daemon=True
        )
        self.base_url = ""

    async def __aenter__(self) -> LoadSide:
        self._process.start()
        self.base_url = await self._receive()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._process.is_alive():
                self._conn.send(("stop",))
                await asyncio.to_thread(self._process.join, 30)
        finally:
            if self._process.is_alive():
                self._process.kill()
            self._conn.close()

    async def _receive(self) -> Any:
        """The child's next answer; its error is raised here."""
        try:
            answer: tuple[str, Any] = await asyncio.to_thread(self._conn.recv)
        except EOFError:
            raise RuntimeError(f"load side exited ({self._process.exitcode})") from None
        if answer[0] == "error":
            raise RuntimeError(f"load side failed:\n{answer[1]}")
        return answer[1]

    async def calibrate(self, user_id: int, act: str, steps: Steps) -> list[int]:
        """Cumulative new messages after each step, learned from one customer alone."""
        self._conn.send(("calibrate", user_id, act, steps))
        result: list[int] = await self._receive()
        return result

    async def drive(
        self, user_ids: list[int], expected: list[int], act: str, steps: Steps, think: float
    ) -> dict[str, Any]:
        """Runs every customer's script concurrently: seconds, latencies, errors, child CPU."""
        self._conn.send(("drive", user_ids, expected, act, steps, think))
        result: dict[str, Any] = await self._receive()
        return result


def _serve(conn: Connection, manual_clock: bool) -> None:
    """The child process: serve commands until told to stop."""
    asyncio.run(_main(conn, manual_clock))


async def _main(conn: Connection, manual_clock: bool) -> None:
    # Imported here: the parent imports this module too, and the acts live with the harness.
    from bench.throughput import ACTS, calibrate, drive

    # The bot's clock in the benchmark is a ManualClock at its default start, never moved:
    # messages carry the same time the bot believes it is.
    clock = ManualClock()
    if manual_clock:
        server = CountingServer(token=TOKEN, now=lambda: clock.now().timestamp())
    else:
        server = CountingServer(token=TOKEN)
    await server.start()
    conn.send(("ready", server.base_url))
    try:
        while True:
            command = await asyncio.to_thread(conn.recv)
            try:
                if command[0] == "stop":
                    return
                if command[0] == "calibrate":
                    _, user_id, act, steps = command
                    probe = SandboxUser(server, user_id, "Probe")
                    conn.send(("ok", await calibrate(server, probe, ACTS[act], steps)))
                elif command[0] == "drive":
                    _, user_ids, expected, act, steps, think = command
                    users = [SandboxUser(server, uid, "Li") for uid in user_ids]
                    outcome = await drive(server, users, expected, ACTS[act], steps, think)
                    conn.send(
                        (
                            "ok",
                            {
                                "seconds": outcome.seconds,
                                "latencies": outcome.latencies,
                                "step_of": outcome.step_of,
                                "errors": outcome.errors,
                                "load_cpu_seconds": outcome.cpu_seconds,
                            },
                        )
                    )
            except Exception:  # reported to the parent, which raises it
                conn.send(("error", traceback.format_exc()))
    finally:
        await server.stop()
