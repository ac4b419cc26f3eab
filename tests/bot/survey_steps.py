"""Set-up shared by the survey and complaint tests: a closed case whose survey is pushed.

Everything is built through the paths (tests/world.py): staff join by invite, the customer
registers and reports in the chat, the case is assigned, accepted, checked in, reported and
confirmed before the survey is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sandbox.users import SandboxUser
from tests.harness import Harness
from tests.world import Team, World

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


async def staff(world: World) -> Team:
    """A technician ("Zhang San"), a dispatcher ("Liu Desk") and a supervisor ("Chen Sup")."""
    team = await world.team(desk_id=DISPATCHER_ID, tech_id=TECHNICIAN_ID)
    await world.staff(SUPERVISOR_ID, "supervisor", "Chen Sup")
    return team


async def closed_case(world: World, user_id: int, *, language: str = "en") -> Surveyed:
    """A registered customer whose case was just closed (survey scheduled, not yet pushed)."""
    assert world.crew is not None, "staff(world) first"
    user = await world.customer(user_id, chinese=language == "zh_CN")
    built = await world.closed_case(user, world.crew, serial=f"SN-{user_id}")
    assert built.survey_id is not None
    return Surveyed(user, built.case_id, built.survey_id, built.number)


async def pushed(world: World, user_id: int, *, language: str = "en") -> Surveyed:
    """A closed case whose survey has been pushed to the customer (an hour after closure)."""
    surveyed = await closed_case(world, user_id, language=language)
    world.harness.advance(timedelta(hours=1))
    await world.harness.tick()
    return surveyed


async def tap(harness: Harness, user: SandboxUser, label: str, **kw: int) -> str:
    """Presses a button and returns the bot's last message text."""
    user.press(label, **kw)
    await harness.settle()
    return user.texts()[-1]
