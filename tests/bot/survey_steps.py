"""Set-up shared by the survey and complaint tests: a closed case whose survey is pushed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from sandbox.users import SandboxUser
from storage.models import Survey
from storage.repos import people
from tests.factories import make_closed_case, make_customer, make_staff
from tests.harness import Harness

TECHNICIAN_ID = 7001
DISPATCHER_ID = 7002
SUPERVISOR_ID = 7003


@dataclass
class Surveyed:
    """A customer with a closed case and its survey."""

    user: SandboxUser
    case_id: int
    survey_id: int
    number: str


async def staff(harness: Harness) -> None:
    """A technician, a dispatcher and a supervisor."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=TECHNICIAN_ID, roles=["technician"], now=now)
        await make_staff(
            session, telegram_id=DISPATCHER_ID, roles=["dispatcher"], now=now, name="Liu Desk"
        )
        await make_staff(
            session, telegram_id=SUPERVISOR_ID, roles=["supervisor"], now=now, name="Chen Sup"
        )


async def closed_case(harness: Harness, user_id: int, *, language: str = "en") -> Surveyed:
    """A registered customer whose case was just closed (survey scheduled, not yet pushed)."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        tech = await people.get_staff(session, telegram_id=TECHNICIAN_ID)
        assert tech is not None
        customer = await make_customer(session, telegram_id=user_id, now=now, language=language)
        case = await make_closed_case(session, customer=customer, technician=tech, now=now)
        survey = await session.scalar(select(Survey).where(Survey.case_id == case.id))
        assert survey is not None
        ids = (case.id, survey.id, case.number)
    code = "zh" if language == "zh_CN" else "en"
    return Surveyed(harness.user(user_id, language_code=code), *ids)


async def pushed(harness: Harness, user_id: int, *, language: str = "en") -> Surveyed:
    """A closed case whose survey has been pushed to the customer (an hour after closure)."""
    surveyed = await closed_case(harness, user_id, language=language)
    harness.advance(timedelta(hours=1))
    await harness.tick()
    return surveyed


async def tap(harness: Harness, user: SandboxUser, label: str, **kw: int) -> str:
    """Presses a button and returns the bot's last message text."""
    user.press(label, **kw)
    await harness.settle()
    return user.texts()[-1]
