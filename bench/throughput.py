"""Conversation throughput: N customers each report a fault at once, over HTTP.

Every step is a real update pushed into the sandbox Bot API server; the bot fetches it with
getUpdates, stores it, processes it and answers with sendMessage. A step's latency runs from
the push to the bot's last new message of that step (counted per chat by the server).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from aftersales.heap import settle_heap
from aftersales.runtime import Runtime
from bench.common import TOKEN, CountingServer, database, ms, peak_rss_mb, percentile
from bench.loadside import LoadSide
from bot.pump import MAX_CONCURRENT_CHATS, UpdatePump
from core.clock import ManualClock
from core.settings import Settings
from sandbox.users import SandboxUser
from storage.db import fill_pool
from storage.models import Customer, Product

logger = logging.getLogger(__name__)

FIRST_USER = 700_000
MODEL = "KFR-35GW"
# A full fault report: (kind, value); "press" presses an inline button by its label.
STEPS: tuple[tuple[str, str], ...] = (
    ("text", "/report"),
    ("press", "product"),
    ("text", "Compressor makes a loud noise, error E4"),
    ("press", "Continue"),
    ("text", "88 Century Ave, Pudong, Shanghai"),
    ("press", "Tomorrow by 18:00"),
    ("press", "Confirm"),
    ("text", "/cases"),
)


@dataclass
class Outcome:
    """What one run of N customers measured."""

    steps: int
    seconds: float
    latencies: list[float]
    errors: int
    cpu_seconds: float
    load_cpu_seconds: float = 0.0
    # Each latency's step (its index in the script), to tell which step is slow.
    step_of: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The run as report fields."""
        return {
            "steps": self.steps,
            "seconds": round(self.seconds, 3),
            "steps_per_second": round(self.steps / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": ms(percentile(self.latencies, 50)),
            "p95_ms": ms(percentile(self.latencies, 95)),
            "p99_ms": ms(percentile(self.latencies, 99)),
            "p95_ms_by_step": [
                ms(
                    percentile(
                        [v for v, s in zip(self.latencies, self.step_of, strict=True) if s == i],
                        95,
                    )
                )
                for i in range(max(self.step_of, default=-1) + 1)
            ],
            "errors": self.errors,
            # The bot's process (the load side runs in its own, see bench.loadside).
            "cpu_share": round(self.cpu_seconds / self.seconds, 2) if self.seconds else 0.0,
            "cpu_ms_per_step": (
                round(self.cpu_seconds / self.steps * 1000, 2) if self.steps else 0.0
            ),
            "load_side_cpu_share": (
                round(self.load_cpu_seconds / self.seconds, 2) if self.seconds else 0.0
            ),
        }


def serial_of(user_id: int) -> str:
    """The serial of the product a simulated customer owns."""
    return f"BN-{user_id}"


async def seed_customers(db_sessions: Any, count: int, clock: ManualClock) -> None:
    """Registered customers, each owning one product under warranty (bulk insert)."""
    now = clock.now()
    async with db_sessions() as session, session.begin():
        customers = [
            Customer(
                telegram_id=FIRST_USER + i,
                name=f"Customer {i}",
                phone=f"+86138{i:08d}",
                language="en",
                region="Pudong",
                is_key=False,
                created_at=now,
                registered_at=now,
            )
            for i in range(count)
        ]
        session.add_all(customers)
        await session.flush()
        session.add_all(
            Product(
                serial=serial_of(c.telegram_id or 0),
                model=MODEL,
                category="air_conditioner",
                customer_id=c.id,
                warranty_end=date(2028, 1, 1),
                verified=True,
                created_at=now,
                updated_at=now,
            )
            for c in customers
        )


async def drive(
    server: CountingServer,
    users: list[SandboxUser],
    expected: list[int],
    act: Callable[[SandboxUser, str, str], int],
    steps: tuple[tuple[str, str], ...] = STEPS,
    think: float = 0.0,
) -> Outcome:
    """Runs every user's script concurrently; waits for the expected replies after each step.

    With `think` > 0 each customer pauses 0.5-1.5 x think seconds before every step, as people
    do (an open, realistic load); with 0 they answer at once (saturation).
    """
    latencies: list[float] = []
    step_of: list[int] = []
    errors = 0
    pauses = random.Random(42)

    async def customer(user: SandboxUser) -> None:
        nonlocal errors
        base = server.sent[user.chat_id]
        for step, ((kind, value), target) in enumerate(zip(steps, expected, strict=True)):
            if think:
                await asyncio.sleep(think * pauses.uniform(0.5, 1.5))
            started = time.perf_counter()
            act(user, kind, value)
            try:
                await server.wait_sent(user.chat_id, base + target)
            except TimeoutError:
                errors += 1
                return
            latencies.append(time.perf_counter() - started)
            step_of.append(step)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(customer(user) for user in users))
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    return Outcome(len(latencies), seconds, latencies, errors, cpu_seconds, step_of=step_of)


def act_on_bot(user: SandboxUser, kind: str, value: str) -> int:
    """One step against the aftersales bot (buttons pressed by their labels)."""
    if kind == "text":
        return user.send_text(value)
    label = f"{MODEL} · {serial_of(user.user_id)}" if value == "product" else value
    return user.press(label)


def _act_on_echo(user: SandboxUser, kind: str, value: str) -> int:
    """The same step against the echo bot (a button press is a callback on its last reply)."""
    if kind == "text":
        return user.send_text(value)
    return user.press_data(value[:64], user.last().message_id)


# The acts by name, for the load side's process.
ACTS: dict[str, Callable[[SandboxUser, str, str], int]] = {"bot": act_on_bot, "echo": _act_on_echo}


async def calibrate(
    server: CountingServer,
    user: SandboxUser,
    act: Any,
    steps: tuple[tuple[str, str], ...] = STEPS,
) -> list[int]:
    """Cumulative new messages after each step, learned from one customer alone."""
    expected: list[int] = []
    base = server.sent[user.chat_id]
    for kind, value in steps:
        act(user, kind, value)
        # Let the bot finish the step: wait for one reply, then for a quiet quarter second.
        await server.wait_sent(user.chat_id, server.sent[user.chat_id] + 1)
        for _ in range(40):
            before = server.sent[user.chat_id]
            await asyncio.sleep(0.25)
            if server.sent[user.chat_id] == before:
                break
        expected.append(server.sent[user.chat_id] - base)
    return expected


def bot_runtime(
    base_url: str, engine: AsyncEngine, clock: ManualClock, max_concurrent_chats: int
) -> Runtime:
    """Our bot, polling the sandbox, on the given database, with a given pump width."""
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_base_url=base_url,
        database_url="sqlite+aiosqlite:///unused.db",
        timezone="Asia/Shanghai",
        default_language="en",
        sweep_interval_seconds=3600,
    )
    runtime = Runtime(settings, clock=clock, engine=engine, poll_timeout=1)
    runtime.pump = UpdatePump(
        runtime.application, runtime.sessions, clock, max_concurrent_chats=max_concurrent_chats
    )
    runtime.pump.after_update = runtime.sender.wake
    return runtime


async def run_bot(
    backend: str,
    customers: int,
    *,
    max_concurrent_chats: int = MAX_CONCURRENT_CHATS,
    think: float = 0.0,
    expected: list[int] | None = None,
) -> dict[str, Any]:
    """Our bot on one backend: N customers report a fault each, concurrently.

    `expected` is the replies after each step as an earlier run calibrated them (the script's
    replies are the bot's, whatever the database or the load); without it, one customer alone
    learns them first.
    """
    clock = ManualClock()
    async with LoadSide(manual_clock=True) as load, database(backend) as db:
        runtime = bot_runtime(load.base_url, db.engine, clock, max_concurrent_chats)
        await seed_customers(runtime.sessions, customers + 1, clock)
        await runtime.start()
        await fill_pool(db.engine)  # as `aftersales run` does after its start
        settle_heap()
        try:
            if expected is None:
                expected = await load.calibrate(FIRST_USER + customers, "bot", STEPS)
            users = [FIRST_USER + i for i in range(customers)]
            outcome = await _drive(load, users, expected, "bot", think)
            failed = runtime.pump.failed
        finally:
            gc.unfreeze()  # the smoke test runs this inside a long test process
            await runtime.stop()
    return {
        "bot": "aftersales",
        "backend": backend,
        "customers": customers,
        "max_concurrent_chats": max_concurrent_chats,
        "think_seconds": think,
        "replies_per_report": expected,
        "failed_updates": failed,
        **outcome.summary(),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


async def _drive(
    load: LoadSide, user_ids: list[int], expected: list[int], act: str, think: float
) -> Outcome:
    """A drive on the load side, with this process's CPU time over it (the bot's alone)."""
    cpu = time.process_time()
    measured = await load.drive(user_ids, expected, act, STEPS, think)
    return Outcome(
        len(measured["latencies"]),
        measured["seconds"],
        measured["latencies"],
        measured["errors"],
        time.process_time() - cpu,
        measured["load_cpu_seconds"],
        measured["step_of"],
    )


async def _echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echoes a message."""
    if update.effective_chat is not None:
        message = update.effective_message
        echoed = (message.text if message is not None else None) or "ok"
        await context.bot.send_message(update.effective_chat.id, echoed)


async def _echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a button press and echoes its data."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, query.data or "ok")


async def run_echo(customers: int, *, think: float = 0.0) -> dict[str, Any]:
    """A minimal python-telegram-bot echo bot (no database) under the same harness."""
    async with LoadSide(manual_clock=False) as load:
        application = (
            Application.builder()
            .token(TOKEN)
            .base_url(f"{load.base_url}/bot")
            .base_file_url(f"{load.base_url}/file/bot")
            .build()
        )
        application.add_handler(MessageHandler(filters.ALL, _echo_text))
        application.add_handler(CallbackQueryHandler(_echo_press))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0.0, timeout=timedelta(seconds=1)
            )
            settle_heap()  # the same start as our bot's
            try:
                users = [FIRST_USER + i for i in range(customers)]
                expected = list(range(1, len(STEPS) + 1))
                outcome = await _drive(load, users, expected, "echo", think)
            finally:
                gc.unfreeze()
                await application.updater.stop()
                await application.stop()
    return {
        "bot": "ptb-echo",
        "backend": "none",
        "customers": customers,
        "think_seconds": think,
        **outcome.summary(),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
