"""A technician serving several regions: the case page's choice and the technicians page list
them readably ("Pudong, Minhang"), not as the stored "Pudong,Minhang"."""

from __future__ import annotations

from tests.bot.dispatch_steps import DISPATCHER, customer_with_case, only_case
from tests.harness import Harness
from tests.web.conftest import Client, log_in
from tests.world import world_of


async def test_several_regions_read_as_a_list(harness: Harness, client: Client) -> None:
    world = await world_of(harness)
    await world.staff(DISPATCHER, "dispatcher", "Desk Zhou")
    await world.technician(9301, "Tech Wide", regions=("Pudong", "Minhang"), skills=("hvac",))
    await customer_with_case(harness)
    case = await only_case(harness)
    await log_in(harness, client, DISPATCHER)
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert "Tech Wide · Pudong, Minhang" in page and "Pudong,Minhang" not in page
    technicians = await (await client.get("/technicians")).text()
    assert "Pudong, Minhang" in technicians and "Pudong,Minhang" not in technicians
