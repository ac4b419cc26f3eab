"""The sandbox: the real product against the local Bot API server, with demo people and data."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from aftersales.runtime import Runtime
from core.clock import Clock
from core.settings import Settings
from sandbox.botapi import BotApiServer
from sandbox.panes import Pane
from sandbox.users import SandboxUser
from services import staff as staff_changes
from storage.repos import inbox, people, products

logger = logging.getLogger(__name__)

SANDBOX_TOKEN = "100000:SANDBOX-not-a-telegram-token"


@dataclass(frozen=True)
class DemoPerson:
    """One person of the demo world: a Telegram user of the sandbox and their record."""

    key: str
    telegram_id: int
    name: str
    phone: str
    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    region: str | None = None
    company: str | None = None


CUSTOMER = DemoPerson(
    "customer", 700001, "Wang Wei", "+8613800138000", region="Pudong", company="Huadong Foods"
)
# Someone who has never used the bot: a visitor's first try is what a real customer does first,
# registering (name, the contact button, company). Nothing about them is seeded.
NEWCOMER = DemoPerson("newcomer", 700002, "Li Na", "+8613700137002")
TECHNICIAN = DemoPerson(
    "technician", 700101, "Zhang Lei", "+8613900139001", ("technician",),
    regions=("Pudong", "Minhang"), skills=("air conditioner", "refrigeration"),
)  # fmt: skip
TECHNICIAN_NORTH = DemoPerson(
    "technician_north", 700102, "Liu Yang", "+8613900139002", ("technician",),
    regions=("Haidian", "Chaoyang"), skills=("air conditioner",),
)  # fmt: skip
DISPATCHER = DemoPerson("dispatcher", 700201, "Chen Jing", "+8613900139003", ("dispatcher",))
SUPERVISOR = DemoPerson(
    "supervisor", 700301, "Zhou Min", "+8613900139004", ("supervisor", "admin")
)
STAFF = (TECHNICIAN, TECHNICIAN_NORTH, DISPATCHER, SUPERVISOR)
# The panes of the sandbox page, left to right.
PANES = (NEWCOMER, CUSTOMER, TECHNICIAN, DISPATCHER, SUPERVISOR)

IN_WARRANTY_SERIAL = "AC-2025-0001"
OUT_OF_WARRANTY_SERIAL = "FR-2021-0042"
SPARE_SERIAL = "AC-2026-0100"


def demo_products(today: date) -> list[dict[str, Any]]:
    """Two products of the demo customer (in and out of warranty) and one not yet registered."""
    return [
        {
            "serial": IN_WARRANTY_SERIAL,
            "model": "CoolPro 3500 split air conditioner",
            "category": "air conditioner",
            "owner_phone": CUSTOMER.phone,
            "owner_company": CUSTOMER.company,
            "purchase_date": today - timedelta(days=200),
            "installed_on": today - timedelta(days=195),
            "warranty_end": today + timedelta(days=530),
        },
        {
            "serial": OUT_OF_WARRANTY_SERIAL,
            "model": "FrostLine 800 cold-room unit",
            "category": "refrigeration",
            "owner_phone": CUSTOMER.phone,
            "owner_company": CUSTOMER.company,
            "purchase_date": today - timedelta(days=1600),
            "installed_on": today - timedelta(days=1590),
            "warranty_end": today - timedelta(days=500),
        },
        {
            "serial": SPARE_SERIAL,
            "model": "CoolPro 5000 ducted air conditioner",
            "category": "air conditioner",
            "owner_phone": None,
            "owner_company": None,
            "purchase_date": today - timedelta(days=20),
            "installed_on": None,
            "warranty_end": today + timedelta(days=710),
        },
    ]


async def seed(session: AsyncSession, *, now: datetime, language: str) -> None:
    """Writes the demo staff, products and the registered customer (idempotent)."""
    for person in STAFF:
        await staff_changes.grant(
            session,
            telegram_id=person.telegram_id,
            name=person.name,
            roles=list(person.roles),
            language=language,
            now=now,
            by=staff_changes.CLI,
            phone=person.phone,
            regions=list(person.regions),
            skills=list(person.skills),
        )
    await products.upsert_products(session, rows=demo_products(now.date()), now=now)
    # Registered already, so the customer pane can /report at once; /start still works.
    customer = await people.ensure_customer(
        session, telegram_id=CUSTOMER.telegram_id, language=language, now=now
    )
    customer.name = CUSTOMER.name
    customer.phone = CUSTOMER.phone
    customer.company = CUSTOMER.company
    customer.region = CUSTOMER.region
    customer.language = language
    customer.registered_at = customer.registered_at or now
    await session.flush()
    for serial in (IN_WARRANTY_SERIAL, OUT_OF_WARRANTY_SERIAL):
        product = await products.get_product(session, serial=serial)
        assert product is not None
        if product.customer_id is None:
            await products.register_product(
                session, product=product, customer_id=customer.id, now=now
            )


class ApiPortInUse(Exception):
    """The local Bot API server could not listen on its port (the reason is the message)."""


class DemoClock:
    """The product's clock in the sandbox: real time plus what the time control added."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """The real time, moved forward by every advance so far."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        """Moves the clock forward and returns the new time."""
        self.offset += delta
        return self.now()


class MovableClock(Clock, Protocol):
    """What the sandbox needs of a clock: tell the time and move forward."""

    def advance(self, delta: timedelta) -> datetime:
        """Moves forward; returns the new time."""
        ...


def default_db_path() -> Path:
    """A fresh SQLite file in a temporary directory."""
    return Path(tempfile.mkdtemp(prefix="aftersales-demo-")) / "demo.db"


@dataclass
class Sandbox:
    """The local Bot API server, the real product running against it, and the demo users."""

    settings: Settings
    clock: MovableClock
    db_path: Path
    language: str = "en"
    public_url: str | None = None
    # Port of the local Bot API server; 0 picks a free one.
    api_port: int = 0
    # Given: a database whose schema the caller built (tests); else the SQLite file, migrated.
    engine: AsyncEngine | None = None
    server: BotApiServer = field(init=False)
    runtime: Runtime | None = field(init=False, default=None)
    users: dict[str, SandboxUser] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.server = BotApiServer(
            token=SANDBOX_TOKEN,
            bot_id=100000,
            bot_username="aftersales_sandbox_bot",
            bot_first_name="Aftersales (sandbox)",
            now=lambda: self.clock.now().timestamp(),
        )
        telegram_code = "zh-hans" if self.language == "zh_CN" else "en"
        for person in (*PANES, TECHNICIAN_NORTH):
            first, _, last = person.name.partition(" ")
            self.users[person.key] = SandboxUser(
                self.server,
                person.telegram_id,
                first,
                last_name=last or None,
                language_code=telegram_code,
            )

    def product_settings(self) -> Settings:
        """The product's settings, pointed at the sandbox (never at Telegram)."""
        return self.settings.model_copy(
            update={
                "bot_token": SecretStr(SANDBOX_TOKEN),
                "telegram_base_url": self.server.base_url,
                "database_url": f"sqlite+aiosqlite:///{self.db_path}",
                "database_schema": None,
                "default_language": self.language,
                "admin_ids": [SUPERVISOR.telegram_id],
                "webhook_url": None,
                "webhook_secret": None,
                "desk_chat_id": None,
                "quality_chat_id": None,
                "public_url": self.public_url,
            }
        )

    async def start(self, *, poll_timeout: int = 10) -> None:
        """Starts the local Bot API server, migrates and seeds the database, starts the bot."""
        try:
            await self.server.start("127.0.0.1", self.api_port)
        except OSError as exc:
            raise ApiPortInUse(exc.strerror or str(exc)) from exc
        settings = self.product_settings()
        self.runtime = Runtime(
            settings, clock=self.clock, engine=self.engine, poll_timeout=poll_timeout
        )
        if self.engine is None:
            await self.runtime.migrate()
        async with self.runtime.sessions() as session, session.begin():
            await seed(session, now=self.clock.now(), language=self.language)
            last = await inbox.max_update_id(session)
        if last is not None:
            # A reused database saw earlier updates; the bot polls from after them.
            self.server.updates.resume_after(last)
        await self.runtime.start()

    async def stop(self) -> None:
        """Stops the bot, then the local server."""
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None
        await self.server.stop()

    def panes(self) -> list[Pane]:
        """The chat panes of the sandbox page, left to right."""
        return [
            Pane(
                p.key,
                "technician" if p.key.startswith("technician") else p.key,
                p.name,
                p.phone,
                self.users[p.key],
            )
            for p in PANES
        ]

    def now(self) -> datetime:
        """The product's current time."""
        return self.clock.now()

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Waits until the bot fetched and processed every update and delivered its outbox."""
        assert self.runtime is not None
        last = self.server.updates.last_id
        if last:
            await self.server.wait_acknowledged(last, timeout)
        await self.runtime.pump.wait_idle()
        await self.runtime.sender.drain()

    async def advance(self, delta: timedelta) -> datetime:
        """Moves the product's clock, then runs one scheduler tick and delivers what it sent."""
        assert self.runtime is not None
        moved = self.clock.advance(delta)
        await self.settle()
        await self.runtime.sweeper.sweep()
        await self.runtime.sender.drain()
        return moved
