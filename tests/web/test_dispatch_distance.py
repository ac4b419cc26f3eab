"""Distance in dispatch: a technician's base set with /profile, a case located by the customer,
the km shown in the desk's chat proposal and on the dashboard; a check-in moves the technician."""

from __future__ import annotations

from sandbox.users import SandboxUser
from tests.bot.customer_steps import press, register, report_at, say
from tests.bot.dispatch_steps import check_in, only_case
from tests.factories import make_product
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in

SITE = (31.2304, 121.4737)  # People's Square, Shanghai
NEAR = (31.2397, 121.4998)  # Lujiazui, about 2.7 km away
FAR = (31.1443, 121.8083)  # Pudong airport, about 33 km away
DESK = 6402


async def technician_at(
    harness: Harness, telegram_id: int, name: str, base: tuple[float, float]
) -> SandboxUser:
    """A technician added by the admin (`staff add`: Pudong, hvac) who sets their phone and
    base with /profile."""
    await add_staff(
        harness, telegram_id, ["technician"], name=name, regions=["Pudong"], skills=["hvac"]
    )
    tech = harness.user(telegram_id, name)
    await say(harness, tech, "/profile")
    tech.send_contact(f"+86139001390{telegram_id % 100:02d}")
    await harness.settle()
    tech.send_location(*base)
    await harness.settle()
    assert "Profile saved" in tech.texts()[-1]
    return tech


async def team_and_case(harness: Harness) -> tuple[SandboxUser, SandboxUser, SandboxUser]:
    """Two technicians with bases, a dispatcher, a chat customer's case at the site."""
    far = await technician_at(harness, 6401, "Far Fang", FAR)
    await technician_at(harness, 6403, "Near Ning", NEAR)
    await add_staff(harness, DESK, ["dispatcher"], name="Desk Liu")
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-7007", now=harness.clock.now())
    customer = await register(harness, 7001)
    assert "registered as" in await report_at(harness, customer, SITE, serial="SN-7007")
    return far, customer, harness.user(DESK)


async def test_nearest_technician_first_with_km_in_chat_and_dashboard(
    harness: Harness, client: Client
) -> None:
    _, _, desk = await team_and_case(harness)
    proposal = await press(harness, desk, "Assign")
    near_line = proposal.index("Near Ning: 2.")
    assert near_line < proposal.index("Far Fang: 33.") and "km away" in proposal

    case = await only_case(harness)
    await log_in(harness, client, DESK)
    page = await (await client.get(f"/cases/{case.id}")).text()
    near = page.index("Near Ning · Pudong · 2.7 km away, other region")
    assert near < page.index("Far Fang · Pudong · 33.2 km away")


async def test_a_technician_on_a_job_is_measured_from_their_last_check_in(
    harness: Harness,
) -> None:
    far, customer, desk = await team_and_case(harness)
    await press(harness, desk, "Assign")
    await press(harness, desk, "Far Fang")
    await press(harness, far, "Accept")
    await check_in(harness, far, *SITE)

    assert "registered as" in await report_at(harness, customer, SITE, serial="SN-7007")
    proposal = await press(harness, desk, "Assign")
    assert proposal.index("Far Fang: 0.0 km away") < proposal.index("Near Ning: 2.")
