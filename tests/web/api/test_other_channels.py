"""A request by phone: tracked without chat, in the intake register, linked at /start by phone."""

from __future__ import annotations

import csv
import io

from tests.bot.customer_steps import register, say
from tests.harness import Harness
from tests.web.api.conftest import call, new_key
from tests.web.api.test_cases import customer_and_product
from tests.web.conftest import Client, add_staff, log_in


async def _phone_case(client: Client, key: str) -> str:
    """A customer known only by phone reports a fault by phone; the case number."""
    customer_id = await customer_and_product(client, key)
    status, body = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "fault", "channel": "phone",
         "description": "Unit hums and stops", "product_serial": "SN-API-1"},
    )  # fmt: skip
    assert status == 201, body
    return str(body["case"]["number"])


async def test_the_customer_links_their_chat_by_sharing_the_same_phone(
    harness: Harness, client: Client
) -> None:
    number = await _phone_case(client, await new_key(harness))
    user = await register(harness, 9301, name="Wang Wei", phone="+8613800138000")
    await say(harness, user, "/cases")
    assert user.last().button_texts() == [f"{number} · registered, waiting for the desk"]


async def test_another_phone_starts_a_new_customer(harness: Harness, client: Client) -> None:
    await _phone_case(client, await new_key(harness))
    user = await register(harness, 9302, phone="+8613900139000")
    assert (await say(harness, user, "/cases")).startswith("You have no service cases yet.")


async def test_the_intake_register_shows_the_channel(harness: Harness, client: Client) -> None:
    number = await _phone_case(client, await new_key(harness))
    await add_staff(harness, 9303, ["dispatcher"])
    await log_in(harness, client, 9303)
    response = await client.get("/exports/intake.csv")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    line = dict(zip(rows[0], rows[1], strict=True))
    assert (line["Case number"], line["Channel"]) == (number, "phone call")
