"""`aftersales demo --script`: the whole case lifecycle, unattended, printed as a transcript.

Every step is done the way a person would do it in the sandbox: typing, sharing a location,
pressing buttons by their visible text (taken from the catalogs, so it works in any language).
A step the product cannot do yet is reported as not available and the exit code is 1.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.demo import (
    CUSTOMER,
    DISPATCHER,
    IN_WARRANTY_SERIAL,
    PANES,
    SUPERVISOR,
    TECHNICIAN,
    Sandbox,
    default_db_path,
)
from core.clock import ManualClock
from core.i18n import Texts, catalog
from core.settings import Settings
from sandbox.models import SentMessage
from web.badges import duration_parts

logger = logging.getLogger(__name__)

PEOPLE = {p.key: p for p in PANES}


class StepUnavailable(Exception):
    """The product did not offer what the step needs (a button, an answer)."""


class StepFailed(StepUnavailable):
    """The product broke while doing the step (its error message; details in the log)."""


@dataclass
class Driver:
    """Acts as the demo people and prints everything that appears in their chats."""

    sandbox: Sandbox
    out: TextIO
    texts: Texts
    language: str
    _seen: dict[tuple[str, int], tuple[object, ...]] = field(default_factory=dict)

    def t(self, key: str, **args: object) -> str:
        """A catalog text in the demo language; a missing key means the feature is missing."""
        if key not in catalog(self.language):
            raise StepUnavailable(f"the product has no text {key!r} yet")
        return self.texts.get(self.language, key, **args)

    def _stamp(self) -> str:
        return self.texts.when(self.sandbox.now())[5:]

    def _line(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def console(self, key: str, **args: object) -> str:
        """A line of the transcript's framing in the demo language."""
        return self.texts.get(self.language, f"console.{key}", **args)

    def who(self, key: str) -> str:
        """A demo person as the transcript names them: name and role."""
        person = PEOPLE[key]
        role = "technician" if key.startswith("technician") else key
        return f"{person.name} ({self.texts.get(self.language, f'demo.role.{role}')})"

    def _event(self, key: str, **args: object) -> None:
        """One stamped line: something a person did."""
        self._line(f"[{self._stamp()}] {self.console(key, **args)}")

    async def _settled(self) -> None:
        await self.sandbox.settle()
        self.show()

    def show(self) -> None:
        """Prints bot messages that are new or changed since the last look."""
        for key, user in self.sandbox.users.items():
            if key not in PEOPLE:
                continue
            for msg in user.inbox():
                state = (msg.text, tuple(msg.button_texts()), msg.deleted)
                seen = self._seen.get((key, msg.message_id))
                if seen == state:
                    continue
                self._seen[(key, msg.message_id)] = state
                self._print_message(key, msg, edited=seen is not None)

    def _print_message(self, key: str, msg: SentMessage, *, edited: bool) -> None:
        if msg.deleted:
            self._event("script.bot_deletes", who=self.who(key))
            return
        body = (msg.text or f"<{msg.kind}>").replace("\n", "\n            ")
        self._event("script.bot_edits" if edited else "script.bot_says", who=self.who(key))
        self._line(f"            {body}")
        for row in msg.buttons():
            self._line("            " + "  ".join(f"[{b.text}]" for b in row))
        keyboard = [b.text for row in msg.keyboard() for b in row]
        if keyboard:
            label = self.console("script.keyboard")
            self._line(f"            {label} " + "  ".join(f"⌨ {k}" for k in keyboard))

    def _check_answer(self, key: str) -> None:
        """Fails the step if the bot answered with its generic error."""
        try:
            last = self.sandbox.users[key].last()
        except LookupError:
            return
        if last.text == self.texts.get(self.language, "common.error"):
            raise StepFailed(f"the bot answered {self.who(key)} with an error (see the log)")

    async def say(self, key: str, text: str) -> None:
        """The person types a message."""
        self._event("script.types", who=self.who(key), text=text)
        self.sandbox.users[key].send_text(text)
        await self._settled()
        self._check_answer(key)

    async def press(self, key: str, label: str) -> None:
        """The person presses the newest inline button showing this text."""
        self._event("script.presses", who=self.who(key), label=label)
        try:
            self.sandbox.users[key].press(label)
        except LookupError as exc:
            raise StepUnavailable(str(exc)) from None
        await self._settled()
        self._check_answer(key)

    async def share_location(self, key: str, latitude: float, longitude: float) -> None:
        """The person shares a location."""
        self._event("script.location", who=self.who(key), latitude=latitude, longitude=longitude)
        self.sandbox.users[key].send_location(latitude, longitude)
        await self._settled()
        self._check_answer(key)

    async def advance(self, delta: timedelta) -> None:
        """Time passes; the scheduler does what is due."""
        duration_key, parts = duration_parts(int(delta.total_seconds() // 60))
        duration = self.texts.get(self.language, duration_key, **parts)
        self._event("script.clock", duration=duration)
        await self.sandbox.advance(delta)
        self.show()

    def expect(self, key: str, fragment: str) -> None:
        """The step worked only if the person's chat shows this text."""
        if not any(fragment in text for text in self.sandbox.users[key].texts()):
            raise StepUnavailable(f"{self.who(key)} never saw {fragment!r}")


Stage = Callable[[Driver], Awaitable[None]]


async def report(d: Driver) -> None:
    """The customer reports a fault on the in-warranty air conditioner."""
    await d.say("customer", "/report")
    await d.press("customer", IN_WARRANTY_SERIAL)
    await d.say("customer", d.t("demo.script.description"))
    await d.press("customer", d.t("report.btn_continue"))
    await d.say("customer", d.t("demo.script.address"))
    await d.press("customer", d.t("report.btn_tomorrow", hour=18))
    await d.press("customer", d.t("report.btn_confirm"))
    d.expect("customer", "SR-")


async def assign(d: Driver) -> None:
    """The dispatcher assigns the technician of the customer's region."""
    await d.press("dispatcher", d.t("desk.btn_assign"))
    await d.press("dispatcher", TECHNICIAN.name)
    d.expect("technician", "SR-")


async def accept(d: Driver) -> None:
    """The technician accepts the job."""
    await d.press("technician", d.t("tech.btn_accept"))
    d.expect("customer", TECHNICIAN.name)


async def check_in(d: Driver) -> None:
    """The technician arrives and checks in with a location."""
    await d.advance(timedelta(hours=3))
    await d.press("technician", d.t("tech.btn_check_in"))
    await d.share_location("technician", 31.2304, 121.4737)


async def service_report(d: Driver) -> None:
    """The technician files the service report."""
    await d.press("technician", d.t("tech.btn_report"))
    await d.say("technician", d.t("demo.script.work"))
    await d.say("technician", d.t("demo.script.part"))
    await d.press("technician", d.t("tech.btn_parts_done"))
    await d.say("technician", "1.5")
    await d.say("technician", "0")
    await d.press("technician", d.t("tech.cause.wear"))
    await d.press("technician", d.t("common.btn.no"))
    await d.press("technician", d.t("common.btn.yes"))
    await d.press("technician", d.t("tech.btn_report_send"))


async def close(d: Driver) -> None:
    """The customer confirms the work; the case closes."""
    await d.press("customer", d.t("tech.btn_confirm_report"))


async def survey(d: Driver) -> None:
    """An hour later the survey arrives; the customer answers, not quite happy."""
    await d.advance(timedelta(hours=1, minutes=1))
    d.expect("customer", d.t("survey.q.overall"))
    await d.press("customer", d.t("survey.opt.satisfaction.2"))
    await d.press("customer", d.t("survey.opt.yes"))
    await d.press("customer", d.t("survey.opt.attitude.4"))
    await d.press("customer", d.t("survey.opt.yes"))
    await d.press("customer", d.t("survey.opt.no"))
    await d.press("customer", d.t("survey.opt.number", n=6))
    await d.say("customer", d.t("demo.script.comment"))


async def complaint(d: Driver) -> None:
    """The low score opened a complaint; a supervisor handles it to closure."""
    await d.press("supervisor", d.t("complaint.btn_take"))
    await d.press("supervisor", d.t("complaint.btn_close"))
    await d.press("supervisor", d.t("complaint.cause.communication"))
    await d.say("supervisor", d.t("demo.script.corrective_action"))
    await d.press("customer", d.t("complaint.btn_handled_yes"))


STAGES: tuple[tuple[str, Stage], ...] = (
    ("report", report),
    ("assign", assign),
    ("accept", accept),
    ("check in", check_in),
    ("service report", service_report),
    ("close", close),
    ("survey", survey),
    ("complaint", complaint),
)


async def play(sandbox: Sandbox, out: TextIO) -> list[tuple[str, str]]:
    """Runs the stages in order; returns the ones not available (name, why)."""
    driver = Driver(
        sandbox, out, Texts(sandbox.settings.tz, sandbox.settings.currency), sandbox.language
    )
    missing: list[tuple[str, str]] = []
    for name, stage in STAGES:
        shown = driver.console(f"stage.{name.replace(' ', '_')}")
        if missing:
            missing.append((shown, driver.console("script.needs", stage=missing[0][0])))
            continue
        print("\n" + driver.console("script.stage", stage=shown), file=out, flush=True)
        try:
            await stage(driver)
        except StepUnavailable as exc:
            verdict = driver.console(
                "script.failed" if isinstance(exc, StepFailed) else "script.unavailable"
            )
            missing.append((shown, f"{verdict} — {exc}"))
            print(f"!!! {shown}: {verdict} — {exc}", file=out, flush=True)
    return missing


async def run_script(
    settings: Settings,
    *,
    db_path: Path | None,
    language: str = "en",
    engine: AsyncEngine | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Plays the lifecycle on a fresh sandbox; 0 if every step worked, else 1."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    path = db_path or default_db_path()
    sandbox = Sandbox(
        settings.model_copy(update={"sweep_interval_seconds": 3600.0}),
        clock,
        path,
        language=language,
        engine=engine,
    )
    texts = Texts(settings.tz)
    console = functools.partial(texts.get, language)
    cast = ", ".join(
        f"{console(f'demo.role.{role}')} {person.name}"
        for role, person in (
            ("customer", CUSTOMER),
            ("technician", TECHNICIAN),
            ("dispatcher", DISPATCHER),
            ("supervisor", SUPERVISOR),
        )
    )
    print(
        console("console.script.title"),
        console("console.script.cast", people=cast, path=path),
        sep="\n",
        file=out,
        flush=True,
    )
    await sandbox.start(poll_timeout=1)
    try:
        missing = await play(sandbox, out)
    finally:
        await sandbox.stop()
    if missing:
        print("\n" + console("console.script.problems"), file=out)
        for name, why in missing:
            print(f"  - {name}: {why}", file=out)
        return 1
    print("\n" + console("console.script.all_worked", count=len(STAGES)), file=out)
    return 0
