"""The desk's changes on the customer page: key flag (then honoured by the return-visit job),
region, contact data, note; CSRF, role and bad input refused with nothing saved."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from core.settings import Settings
from domain.lifecycle import CaseKind
from storage.models import Case, Customer
from tests.bot.customer_steps import register
from tests.cli_support import cli
from tests.harness import Harness
from tests.test_cli_people import settings
from tests.web.conftest import Client, add_staff, log_in
from tests.web.test_search import visible

__all__ = ["settings"]

CUSTOMER = 7301
DESK = 7302
TECH = 7303


async def _customer(harness: Harness) -> Customer:
    async with harness.session() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_id == CUSTOMER))
    assert customer is not None
    return customer


async def _post(client: Client, path: str, **form: str) -> tuple[int, str]:
    response = await client.post(path, data=form, allow_redirects=True)
    return response.status, visible(await response.text())


async def test_contact_data_region_and_note_are_edited_and_recorded(
    harness: Harness, client: Client
) -> None:
    await register(harness, CUSTOMER, name="Wang Wei", phone="+8613800138000")
    await add_staff(harness, DESK, ["dispatcher"], name="Desk Liu")
    csrf = await log_in(harness, client, DESK)
    page = f"/customers/{(await _customer(harness)).id}"

    # A bad phone among good changes: the page says so, keeps what was typed, saves nothing.
    status, text = await _post(
        client, page + "/contact", csrf=csrf, name="Wang Wei Jr", phone="12345",
        company="Acme", address="1 Road", language="zh_CN",
    )  # fmt: skip
    assert status == 400 and "That is not a phone number we can reach" in text
    assert 'value="Wang Wei Jr"' in await (await client.post(
        page + "/contact", data={"csrf": csrf, "name": "Wang Wei Jr", "phone": "12345",
                                 "language": "en"})).text()  # fmt: skip
    stored = await _customer(harness)
    assert (stored.name, stored.phone, stored.company, stored.language) == (
        "Wang Wei", "+8613800138000", None, "en",
    )  # fmt: skip
    status, text = await _post(
        client, page + "/contact", csrf=csrf, name="", phone="13800138000", language="en"
    )
    assert status == 400 and "Please enter the customer's name." in text

    status, text = await _post(
        client, page + "/contact", csrf=csrf, name=" Wang  Wei ", phone="138 0013 8001",
        company="Acme Ltd", address="88 Century Ave", language="zh_CN",
    )  # fmt: skip
    assert status == 200
    stored = await _customer(harness)
    assert (stored.name, stored.phone, stored.company, stored.address, stored.language) == (
        "Wang Wei", "+8613800138001", "Acme Ltd", "88 Century Ave", "zh_CN",
    )  # fmt: skip

    status, text = await _post(client, page + "/region", csrf=csrf, region="x" * 61)
    assert status == 400 and "The region is at most 60 characters." in text
    assert (await _customer(harness)).region is None
    status, text = await _post(client, page + "/region", csrf=csrf, region=" Pudong ")
    assert "The region is saved." in text and (await _customer(harness)).region == "Pudong"
    status, text = await _post(client, page + "/note", csrf=csrf, note="Gate code 1234")
    assert "The note is saved." in text and "Gate code 1234" in text

    # Who did what and when, newest first; the note's text and the phone are not in it.
    changes = text.split("Changes to this customer", 1)[1]
    assert re.search(r"2026-11-23 \d\d:\d\d\s+Desk Liu\s+note", changes)
    assert "region: Pudong" in changes
    # The name was typed with extra spaces only: it is not a change.
    assert "contact data: phone, company, address, language" in changes
    assert changes.index("note") < changes.index("region") < changes.index("contact data")
    assert "Gate code" not in changes and "138" not in changes


async def test_refused_without_csrf_for_a_technician_and_for_a_stranger(
    harness: Harness, client: Client
) -> None:
    await register(harness, CUSTOMER)
    await add_staff(harness, DESK, ["dispatcher"], name="Desk Liu")
    await add_staff(harness, TECH, ["technician"], name="Tech Wu")
    page = f"/customers/{(await _customer(harness)).id}"
    stranger = await client.post(page + "/key", data={"key": "on"}, allow_redirects=False)
    assert stranger.status in (302, 403)

    csrf = await log_in(harness, client, DESK)
    status, text = await _post(client, page + "/key", key="on")
    assert status == 403 and "This form has expired" in text
    assert not (await _customer(harness)).is_key
    status, _ = await _post(client, page + "/key", csrf="forged", key="on")
    assert status == 403
    status, text = await _post(client, page + "/key", csrf=csrf, key="maybe")
    assert status == 400 and "Please use the button" in text
    assert not (await _customer(harness)).is_key

    assert harness.runtime is not None
    async with TestClient(TestServer(harness.runtime.build_web_app())) as tech_client:
        tech_csrf = await log_in(harness, tech_client, TECH)
        for action, field in (("key", "key"), ("region", "region"), ("note", "note")):
            response = await tech_client.post(
                f"{page}/{action}", data={"csrf": tech_csrf, field: "on"}
            )
            assert response.status == 403, action
        # A technician who never served this customer does not see the file at all.
        assert (await tech_client.get(page)).status == 404
    stored = await _customer(harness)
    assert not stored.is_key and stored.region is None and stored.notes is None


async def _return_visits(harness: Harness) -> list[Case]:
    async with harness.session() as session:
        return list(await session.scalars(select(Case).where(Case.kind == CaseKind.RETURN_VISIT)))


async def test_a_key_customer_marked_on_the_page_gets_return_visits(
    harness: Harness, client: Client
) -> None:
    user = await register(harness, CUSTOMER)
    await add_staff(harness, DESK, ["supervisor"], name="Boss Ma")
    csrf = await log_in(harness, client, DESK)
    page = f"/customers/{(await _customer(harness)).id}"
    status, text = await _post(client, page + "/key", csrf=csrf, key="on")
    assert status == 200 and "Marked as a key customer" in text
    assert "Unmark key customer" in text and "marked as key customer" in text
    status, text = await _post(client, page + "/key", csrf=csrf, key="on")
    assert "Nothing changed." in text

    await harness.tick()  # the calendar sees the new key customer: first visit in 90 days
    harness.advance(timedelta(days=1))
    await harness.tick()
    planned = (await _customer(harness)).next_return_visit_at
    assert planned is not None and planned > harness.clock.now() + timedelta(days=89)
    harness.advance(timedelta(days=90))
    await harness.tick()
    await harness.tick()
    [visit] = await _return_visits(harness)
    assert any(visit.number in t for t in user.texts() if "key customers" in t)

    csrf = await log_in(harness, client, DESK)  # the earlier session has expired meanwhile
    status, text = await _post(client, page + "/key", csrf=csrf, key="off")
    assert "No longer a key customer" in text
    assert visit.number in text  # the return visit is in the customer's history
    harness.advance(timedelta(days=100))
    await harness.tick()
    await harness.tick()
    assert len(await _return_visits(harness)) == 1


async def test_marks_made_at_the_terminal_are_on_the_page_too(
    harness: Harness, client: Client, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await register(harness, CUSTOMER, phone="+8613800138000")
    assert await cli(settings, "customer", "key", "13800138000", "--on") == 0
    assert await cli(settings, "customer", "region", "13800138000", "--set", "Minhang") == 0
    capsys.readouterr()
    await add_staff(harness, DESK, ["dispatcher"], name="Desk Liu")
    await log_in(harness, client, DESK)
    text = visible(await (await client.get(f"/customers/{(await _customer(harness)).id}")).text())
    changes = text.split("Changes to this customer", 1)[1]
    assert re.search(r"command line\s+region: Minhang\s+.*command line\s+marked as key", changes)


async def test_forgetting_a_customer_erases_the_address_and_note_kept_on_the_page(
    harness: Harness, client: Client, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await register(harness, CUSTOMER, phone="+8613800138000")
    await add_staff(harness, DESK, ["dispatcher"], name="Desk Liu")
    csrf = await log_in(harness, client, DESK)
    page = f"/customers/{(await _customer(harness)).id}"
    await _post(
        client, page + "/contact", csrf=csrf, name="Wang Wei", phone="13800138000",
        address="88 Century Ave", language="en",
    )  # fmt: skip
    await _post(client, page + "/note", csrf=csrf, note="Gate code 1234")
    assert await cli(settings, "customer", "forget", "13800138000", "--yes") == 0
    capsys.readouterr()
    stored = await _customer_by_id(harness, page)
    assert stored.address is None and stored.notes is None
    text = visible(await (await client.get(page)).text())
    assert "erased on request" in text and "Gate code" not in text and "Century" not in text
    assert "Save contact data" not in text
    status, text = await _post(client, page + "/note", csrf=csrf, note="again")
    assert status == 400 and "cannot be changed" in text


async def _customer_by_id(harness: Harness, page: str) -> Customer:
    async with harness.session() as session:
        customer = await session.get(Customer, int(page.rsplit("/", 1)[1]))
    assert customer is not None
    return customer
