"""`/cases/new` over HTTP: a customer known only by phone, refusals, roles, CSRF."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Case, Customer
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in

FORM = {
    "customer": "new", "name": "李雷", "phone": "139 0013 9000", "company": "Lab",
    "language": "zh_CN", "serial": "", "model": "", "kind": "installation",
    "channel": "letter", "description": "Install two units", "address": "1 Road",
    "due_date": "2026-11-25", "due_time": "10:00",
}  # fmt: skip


async def _count(harness: Harness) -> tuple[int, int]:
    async with harness.session() as session:
        cases = await session.scalar(select(func.count()).select_from(Case))
        customers = await session.scalar(select(func.count()).select_from(Customer))
    return int(cases or 0), int(customers or 0)


async def test_a_letter_from_a_new_customer_without_telegram(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 9501, ["dispatcher"], name="Desk Liu")
    csrf = await log_in(harness, client, 9501)
    response = await client.post("/cases/new", data={**FORM, "csrf": csrf})
    assert response.status == 200 and "/cases/" in str(response.url)
    page = await response.text()
    assert "letter" in page and "no Telegram" in page and "李雷" in page
    await harness.settle()
    assert any("SR-20261123-0001" in text for text in harness.user(9501).texts())
    found = await client.get("/cases/new?q=Lab")
    assert "+8613900139000" in await found.text()


async def test_bad_fields_are_explained_and_nothing_is_saved(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 9502, ["supervisor"])
    csrf = await log_in(harness, client, 9502)
    for change, says in (
        ({"phone": "12"}, "This phone number is not valid."),
        ({"due_date": "2026-11-23", "due_time": "09:30"}, "at least an hour from now"),
        ({"due_time": "25:00"}, "as a date and a time"),
        ({"channel": "chat"}, "how the request came in"),
        ({"description": " "}, "Please describe the request."),
        ({"customer": "99999"}, "choose a customer"),
    ):
        response = await client.post("/cases/new", data={**FORM, **change, "csrf": csrf})
        assert response.status == 400 and says in await response.text(), change
    assert await _count(harness) == (0, 0)
    forged = await client.post("/cases/new", data={**FORM, "csrf": "forged"})
    assert forged.status == 403


async def test_a_technician_cannot_open_the_form(harness: Harness, client: Client) -> None:
    await add_staff(harness, 9503, ["technician"])
    csrf = await log_in(harness, client, 9503)
    assert (await client.get("/cases/new")).status == 403
    assert (await client.post("/cases/new", data={**FORM, "csrf": csrf})).status == 403
