"""The case page shows how far from the site the technician checked in (Case.arrival_distance_m),
for a case built through the chat: located report, assignment, acceptance, check-in."""

from __future__ import annotations

from tests.bot.customer_steps import press, report_at
from tests.bot.dispatch_steps import only_case
from tests.bot.job_steps import assign_to, check_in
from tests.factories import make_product
from tests.harness import Harness
from tests.web.conftest import Client, log_in
from tests.world import World

SITE = (31.2304, 121.4737)  # People's Square, Shanghai
NEAR = (31.2397, 121.4998)  # Lujiazui, about 2.7 km away
NEXT_DOOR = (31.2308, 121.4737)  # about 45 m north


async def _checked_in_at(harness: Harness, world: World, point: tuple[float, float]) -> int:
    """A located case checked in at the given point; returns its id."""
    team = await world.team()
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-8801", now=harness.clock.now())
    customer = await world.customer(8801)
    assert "registered as" in await report_at(harness, customer, SITE, serial="SN-8801")
    await assign_to(harness, team.desk, team.tech_name)
    await press(harness, team.tech, "Accept")
    await check_in(harness, team.tech, *point)
    return (await only_case(harness)).id


async def test_case_page_shows_the_check_in_distance_in_km(
    harness: Harness, world: World, client: Client
) -> None:
    case_id = await _checked_in_at(harness, world, NEAR)
    await log_in(harness, client, 7002)
    page = await (await client.get(f"/cases/{case_id}")).text()
    assert '<span id="arrival-distance">2.7 km from the site</span>' in page


async def test_case_page_shows_a_short_distance_in_metres_in_chinese(
    harness: Harness, world: World, client: Client
) -> None:
    case_id = await _checked_in_at(harness, world, NEXT_DOOR)
    await world.staff(7010, "supervisor", "Chen Sup", chinese=True)
    await log_in(harness, client, 7010)
    page = await (await client.get(f"/cases/{case_id}")).text()
    assert '<span id="arrival-distance">距现场 44 米</span>' in page


async def test_no_distance_without_a_site_pin(
    harness: Harness, world: World, client: Client
) -> None:
    team = await world.team()
    customer = await world.customer(8802)
    await world.reported_case(customer, serial="SN-8802")  # a typed address, no pin
    await assign_to(harness, team.desk, team.tech_name)
    await press(harness, team.tech, "Accept")
    await check_in(harness, team.tech, *NEAR)
    await log_in(harness, client, 7002)
    page = await (await client.get(f"/cases/{(await only_case(harness)).id}")).text()
    assert "arrival-distance" not in page and "from the site" not in page
