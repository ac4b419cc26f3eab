"""Scenario builders: people and cases made through the paths people use, nothing written by hand.

Customers register in the chat; staff join through a one-time invite from `aftersales staff
invite` (technicians then give their phone and base, as joining asks); what only an admin sets
(regions, skills, a customer's region, a key customer) goes through the `aftersales` commands.
Cases are reported in the chat and taken through dispatch, the technician's job and the
customer's confirmation on the injected clock, so every row, timestamp, reminder and notice is
the one the product writes.
"""

from __future__ import annotations

import contextlib
import io
import re
import weakref
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from core.i18n import catalog
from core.settings import Settings
from sandbox.users import SandboxUser
from storage.models import Case, Customer, Survey
from storage.repos import people
from tests.bot.customer_steps import press, register, say
from tests.bot.job_steps import assign_to, check_in, file_report, send_quote
from tests.cli_support import cli, stamp_head
from tests.factories import make_product
from tests.harness import Harness

SITE = (31.2304, 121.4737)  # People's Square, Shanghai: the technicians' default base


@dataclass
class Team:
    """A dispatcher and a technician who joined by invite."""

    desk: SandboxUser
    tech: SandboxUser
    tech_name: str


@dataclass
class Built:
    """A case made through the paths: its customer, id, number (and survey, once closed)."""

    user: SandboxUser
    case_id: int
    number: str
    survey_id: int | None = None


class World:
    """Builds people and cases through the chat and the CLI of one running bot."""

    def __init__(self, harness: Harness, settings: Settings) -> None:
        self.harness = harness
        self.settings = settings
        self.crew: Team | None = None  # the team made by team(), for cases built later
        self.languages: dict[int, str] = {}  # the language each customer chose when registering

    def language(self, user: SandboxUser) -> str:
        """The language a customer chose at /start."""
        return self.languages.get(user.user_id, "en")

    async def command(self, *argv: str) -> str:
        """Runs `aftersales ...` on the test database; returns what it printed (must succeed)."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = await cli(self.settings, *argv)
        assert code == 0, (argv, out.getvalue())
        return out.getvalue()

    async def customer(
        self,
        user_id: int,
        *,
        name: str = "Wang Wei",
        phone: str = "+8613800138000",
        chinese: bool = False,
        company: str | None = None,
        region: str | None = None,
        key: bool = False,
    ) -> SandboxUser:
        """A customer registered through /start; region and key mark set by the admin's CLI."""
        user = await register(
            self.harness, user_id, chinese=chinese, name=name, phone=phone, company=company
        )
        self.languages[user_id] = "zh_CN" if chinese else "en"
        if region is not None:
            await self.command("customer", "region", str(user_id), "--set", region)
        if key:
            await self.command("customer", "key", str(user_id), "--on")
        return user

    async def staff(
        self, user_id: int, role: str, name: str, *, chinese: bool = False
    ) -> SandboxUser:
        """A staff member who joined through a one-time invite printed by `staff invite`."""
        printed = await self.command(
            "staff", "invite", "--role", role, "--bot-username", "aftersales_test_bot"
        )
        token = re.search(r"/start (join-[\w-]+)", printed)
        assert token is not None, printed
        user = self.harness.user(user_id, name, language_code="zh" if chinese else "en")
        user.send_text(f"/start {token.group(1)}")
        await self.harness.settle()
        async with self.harness.session() as session:
            joined = await people.get_staff(session, telegram_id=user_id)
        assert joined is not None and role in joined.role_set, user.texts()[-2:]
        return user

    async def technician(
        self,
        user_id: int,
        name: str,
        *,
        phone: str = "+8613900139000",
        base: tuple[float, float] = SITE,
        regions: tuple[str, ...] = (),
        skills: tuple[str, ...] = (),
    ) -> SandboxUser:
        """A technician who joined by invite and gave the phone and base joining asks for.

        Regions and skills, when given, are set as an admin sets them: `aftersales staff add`.
        """
        tech = await self.staff(user_id, "technician", name)
        tech.send_contact(phone)
        await self.harness.settle()
        tech.send_location(*base)
        await self.harness.settle()
        assert "Profile saved" in tech.texts()[-1], tech.texts()[-1]
        if regions or skills:
            await self.command(
                "staff", "add", "--telegram-id", str(user_id), "--name", name,
                "--roles", "technician", "--regions", ",".join(regions),
                "--skills", ",".join(skills),
            )  # fmt: skip
        return tech

    async def team(self, *, desk_id: int = 7002, tech_id: int = 7001) -> Team:
        """A dispatcher ("Liu Desk") and a technician ("Zhang San"), both joined by invite."""
        desk = await self.staff(desk_id, "dispatcher", "Liu Desk")
        tech = await self.technician(tech_id, "Zhang San")
        self.crew = Team(desk, tech, "Zhang San")
        return self.crew

    async def product(
        self, serial: str, *, warranty_end: date | None = None, category: str = "hvac"
    ) -> None:
        """A product of the catalog import (the ERP's register), owned by nobody yet."""
        async with self.harness.session() as session, session.begin():
            await make_product(
                session, serial=serial, now=self.harness.clock.now(),
                warranty_end=warranty_end, category=category,
            )  # fmt: skip

    async def reported_case(
        self,
        user: SandboxUser,
        *,
        serial: str,
        warranty_end: date | None = None,
        deadline: str = "tomorrow",
        address: str = "88 Century Ave, Pudong, Shanghai",
        description: str = "Compressor makes a loud noise, error E4",
    ) -> Built:
        """The customer reports a fault on a catalogue product through /report, in their language.

        deadline is a quick choice of the dialog: "urgent", "today" or "tomorrow".
        """
        await self.product(serial, warranty_end=warranty_end)
        lang = self.language(user)
        await say(self.harness, user, "/report")
        if label(lang, "report.btn_other_product") in user.last().button_texts():
            await press(self.harness, user, label(lang, "report.btn_other_product"))
        await say(self.harness, user, serial)
        await say(self.harness, user, description)
        await press(self.harness, user, label(lang, "report.btn_continue"))
        await say(self.harness, user, address)
        quick = {
            "urgent": label(lang, "report.btn_urgent", hours=4),
            "today": label(lang, "report.btn_today", hour=18),
            "tomorrow": label(lang, "report.btn_tomorrow", hour=18),
        }
        await press(self.harness, user, quick[deadline])
        answer = await press(self.harness, user, label(lang, "report.btn_confirm"))
        built = await self._newest(user)
        assert built.number in answer, answer
        return built

    async def accepted_case(self, user: SandboxUser, team: Team, *, serial: str) -> Built:
        """Reported, assigned by the desk from its notice and accepted by the technician."""
        built = await self.reported_case(user, serial=serial)
        await assign_to(self.harness, team.desk, team.tech_name)
        await press(self.harness, team.tech, "Accept")
        return built

    async def resolved_case(self, user: SandboxUser, team: Team, *, serial: str) -> Built:
        """Accepted, checked in on site and reported fixed; waiting for the customer."""
        built = await self.accepted_case(user, team, serial=serial)
        await check_in(self.harness, team.tech)
        assert "filed" in await file_report(self.harness, team.tech)
        return built

    async def closed_case(self, user: SandboxUser, team: Team, *, serial: str) -> Built:
        """Resolved and confirmed by the customer: closed, the survey scheduled."""
        built = await self.resolved_case(user, team, serial=serial)
        await press(self.harness, user, label(self.language(user), "tech.btn_confirm_report"))
        async with self.harness.session() as session:
            case = await session.get(Case, built.case_id)
            survey = await session.scalar(select(Survey.id).where(Survey.case_id == built.case_id))
        assert case is not None and case.status == "closed", case and case.status
        built.survey_id = survey
        return built

    async def reopened_case(self, user: SandboxUser, team: Team, *, serial: str) -> Built:
        """Closed, then the survey an hour later answered "not solved": back in the queue."""
        built = await self.closed_case(user, team, serial=serial)
        self.harness.advance(timedelta(hours=1))
        await self.harness.tick()  # the survey is pushed
        lang = self.language(user)
        for key in (
            "survey.opt.satisfaction.3", "survey.opt.yes", "survey.opt.attitude.4",
            "survey.opt.no",
        ):  # fmt: skip
            await press(self.harness, user, label(lang, key))
        async with self.harness.session() as session:
            case = await session.get(Case, built.case_id)
        assert case is not None and case.status == "new" and case.reopen_count == 1
        return built

    async def quoted_case(self, user: SandboxUser, team: Team, *, serial: str) -> Built:
        """An out-of-warranty fault, accepted and quoted: waiting for the customer's answer."""
        ended = self.harness.clock.now().date() - timedelta(days=10)
        built = await self.reported_case(user, serial=serial, warranty_end=ended)
        await assign_to(self.harness, team.desk, team.tech_name)
        await press(self.harness, team.tech, "Accept")
        await send_quote(self.harness, team.tech)
        return built

    async def complaint(
        self, user: SandboxUser, *, about: str | None = None, text: str = "Nobody called me back."
    ) -> Built:
        """A complaint the customer files through /complaint (about a case number, or general)."""
        await say(self.harness, user, "/complaint")
        general = label(self.language(user), "complaint.btn_general")
        await press(self.harness, user, about or general)
        answer = await say(self.harness, user, text)
        assert "complaint is registered" in answer or "投诉已登记" in answer, answer
        return await self._newest(user)

    async def _newest(self, user: SandboxUser) -> Built:
        """The customer's newest case."""
        async with self.harness.session() as session:
            case = await session.scalar(
                select(Case).join(Customer, Customer.id == Case.customer_id)
                .where(Customer.telegram_id == user.user_id).order_by(Case.id.desc()).limit(1)
            )  # fmt: skip
        assert case is not None
        return Built(user, case.id, case.number)


def label(language: str, key: str, **args: object) -> str:
    """A button's label as the catalog of the user's language words it."""
    return catalog(language)[key].format(**args)


_WORLDS: weakref.WeakKeyDictionary[Harness, World] = weakref.WeakKeyDictionary()


async def world_of(harness: Harness) -> World:
    """The builders of a running bot (one per harness); the CLI works on its database."""
    if harness in _WORLDS:
        return _WORLDS[harness]
    engine = harness.engine
    schema = None
    if engine.dialect.name == "postgresql":  # the test's own schema is the search path
        async with engine.connect() as conn:
            schema = await conn.scalar(text("SELECT current_schema()"))
    await stamp_head(engine)  # built from the models, which is what the head revision builds
    settings = Settings(
        _env_file=None, database_url=engine.url.render_as_string(hide_password=False),
        database_schema=schema, default_language="en", bot_token=None,
    )  # fmt: skip
    _WORLDS[harness] = World(harness, settings)
    return _WORLDS[harness]


@pytest.fixture
async def world(harness: Harness) -> World:
    """Builders on the running bot (tests/world.py)."""
    return await world_of(harness)
