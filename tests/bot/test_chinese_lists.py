"""Lists read in the reader's language: a Chinese dispatcher sees why a technician is proposed
joined with "、", in chat and on the case page, not with an English ", "."""

from __future__ import annotations

from tests.bot.customer_steps import press
from tests.bot.dispatch_steps import DISPATCHER, customer_with_case, only_case
from tests.harness import Harness
from tests.web.conftest import Client, client, log_in
from tests.world import world_of

__all__ = ["client"]


async def test_a_chinese_dispatcher_reads_the_reasons_as_a_chinese_list(
    harness: Harness, client: Client
) -> None:
    world = await world_of(harness)
    desk = await world.staff(DISPATCHER, "dispatcher", "Desk Zhou", chinese=True)
    await world.technician(6001, "Tech An", regions=("Pudong",), skills=("hvac",))
    await customer_with_case(harness)
    offer = await press(harness, desk, "派工")
    assert "Tech An：" in offer and "、" in offer and ", " not in offer

    case = await only_case(harness)
    await log_in(harness, client, DISPATCHER)
    await client.get(f"/lang/zh_CN?next=/cases/{case.id}", allow_redirects=False)
    page = await (await client.get(f"/cases/{case.id}")).text()
    start = page.index("Tech An")
    option = page[start : page.index("</option>", start)]
    assert "、" in option and ", " not in option
