"""Find anything: a closed case found by phone, its customer's service file, the product page,
filters and paging of the case list, and what the list makes of garbage parameters."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import DISPATCHER, TECH_A, closed_job
from tests.harness import Harness
from tests.web.conftest import LINK, Client, add_staff, log_in
from web.views import case_list

NUMBER = "SR-20261123-0001"


def visible(html: str) -> str:
    """The text a person reads on a page (no tags, no attribute values)."""
    body = html.split("<main>", 1)[-1]
    return unescape(re.sub(r"<[^>]+>", " ", body))


async def _job_done_in_chat(harness: Harness) -> None:
    """A fault reported, assigned, fixed and confirmed; the survey answered; a complaint."""
    customer = await closed_job(harness)
    harness.advance(timedelta(hours=1))
    await harness.tick()  # the survey is pushed an hour after closure
    for label in ("5 — Very satisfied", "Yes", "4 — Good", "Yes", "No", "10"):
        await press(harness, customer, label)
    assert "Thank you" in await say(harness, customer, "Quick and tidy.")
    await say(harness, customer, "/complaint")
    await press(harness, customer, NUMBER)
    assert "registered as" in await say(harness, customer, "The invoice was wrong")


async def test_a_closed_case_found_by_phone_and_its_customer_file(
    harness: Harness, client: Client
) -> None:
    await _job_done_in_chat(harness)
    await log_in(harness, client, DISPATCHER)

    board = await (await client.get("/")).text()
    assert 'action="/cases"' in board and NUMBER not in board  # closed: not on the board
    for typed in ("138 0013 8000", "+86 138-0013-8000", "wang WEI", "sn-1001", "sr-20261123"):
        page = visible(await (await client.get("/cases", params={"q": typed})).text())
        assert NUMBER in page, typed
        assert "Closed" in page, typed
    nothing = visible(await (await client.get("/cases", params={"q": "139 0000 0000"})).text())
    assert NUMBER not in nothing and "No case matches." in nothing

    listing = await (await client.get("/cases", params={"q": "13800138000"})).text()
    customer_link = re.search(r'href="(/customers/\d+)" class="customer-link"', listing)
    assert customer_link is not None
    file = visible(await (await client.get(customer_link.group(1))).text())
    assert "Wang Wei" in file and "+8613800138000" in file
    assert "linked (the bot writes to them in chat)" in file
    assert NUMBER in file and "Closed" in file and "SN-1001" in file
    # The survey with its questions' texts, and the complaint it was followed by.
    assert "Overall, how satisfied are you with our service?" in file
    assert "5 — Very satisfied" in file and "10 of 10" in file and "Quick and tidy." in file
    assert re.search(r"CP-\d{8}-\d{4}", file)

    product_link = re.search(r'href="(/products/\d+)"', listing)
    assert product_link is not None
    product = visible(await (await client.get(product_link.group(1))).text())
    assert "SN-1001" in product and NUMBER in product and "Wang Wei" in product
    assert "verified" in product and "Tech An" in product

    await client.get("/lang/zh_CN?next=/")
    chinese = visible(await (await client.get(customer_link.group(1))).text())
    assert "服务档案" in chinese and "总体而言，您对我们的服务满意吗？" in chinese
    assert "5 — 非常满意" in chinese and "已关闭" in chinese
    for code in ("overall", "survey.", "web.", "closed", "fault", "complaint", "in_warranty"):
        assert code not in chinese, code
    assert not re.search(r"\b(None|True|False)\b", chinese)


async def test_a_technician_finds_only_their_own_cases(harness: Harness, client: Client) -> None:
    await _job_done_in_chat(harness)
    await add_staff(harness, 6777, ["technician"], name="Tech Other")
    await log_in(harness, client, 6777)
    page = visible(await (await client.get("/cases", params={"q": "13800138000"})).text())
    assert NUMBER not in page and "No case matches." in page
    listing = await (await client.get(f"/cases?technician={TECH_A}")).text()
    assert NUMBER not in listing  # the technician filter is always their own
    assert (await client.get("/customers/1")).status == 404
    assert (await client.get("/products/1")).status == 404

    assert harness.runtime is not None
    async with TestClient(TestServer(harness.runtime.build_web_app())) as served:
        await log_in(harness, served, TECH_A)  # who did the job sees the customer, in part
        found = await (await served.get("/cases", params={"q": "Wang"})).text()
        assert _numbers(found) == [NUMBER]  # the complaint is not theirs
        file = visible(await (await served.get("/customers/1")).text())
        assert "Wang Wei" in file and NUMBER in file
        assert "Surveys" not in file and "Quick and tidy." not in file and "Change" not in file


async def _desk_case(
    harness: Harness, client: Client, csrf: str, *, name: str, phone: str, kind: str = "fault",
    serial: str = "",
) -> None:  # fmt: skip
    """The desk registers a phone request for a new customer in the dashboard."""
    due = (harness.clock.now() + timedelta(days=2)).date().isoformat()
    form = {
        "csrf": csrf, "customer": "new", "name": name, "phone": phone, "language": "en",
        "kind": kind, "channel": "phone", "description": "Unit hums and stops",
        "due_date": due, "due_time": "16:00", "serial": serial,
    }  # fmt: skip
    response = await client.post("/cases/new", data=form, allow_redirects=False)
    assert response.status == 302, await response.text()


async def _log_in_again(harness: Harness, client: Client, telegram_id: int) -> str:
    """Logs in anew (a dashboard session lasts 12 hours); reminders may follow the link."""
    user = harness.user(telegram_id)
    user.send_text("/dashboard")
    await harness.settle()
    path = next(found[1] for text in reversed(user.texts()) if (found := LINK.search(text)))
    assert (await client.post(path, allow_redirects=False)).status == 302
    board = await (await client.get("/")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', board)
    assert token is not None
    return token.group(1)


def _numbers(html: str) -> list[str]:
    """The case numbers listed, in order."""
    return re.findall(r'<tr data-number="([^"]+)"', html)


async def test_filters_and_pages_keep_each_other(
    harness: Harness, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_list, "PAGE_SIZE", 3)  # paging shown with a few cases
    await add_staff(harness, 7101, ["dispatcher"], name="Desk Liu")
    for day in range(7):  # one a day, 23 to 29 November, installations on even days
        csrf = await _log_in_again(harness, client, 7101)
        kind = "installation" if day % 2 == 0 else "fault"
        phone = f"1380013810{day}"
        await _desk_case(harness, client, csrf, name=f"Buyer {day}", phone=phone, kind=kind)
        harness.advance(timedelta(days=1))
    await _log_in_again(harness, client, 7101)

    first = await (await client.get("/cases")).text()
    assert _numbers(first) == ["SR-20261129-0001", "SR-20261128-0001", "SR-20261127-0001"]
    assert "Page 1 of 3" in first
    second = await (await client.get("/cases?page=2")).text()
    assert _numbers(second) == ["SR-20261126-0001", "SR-20261125-0001", "SR-20261124-0001"]

    query = "kind=installation&start=2026-11-24&end=2026-11-29"
    narrowed = await (await client.get(f"/cases?{query}")).text()
    assert _numbers(narrowed) == ["SR-20261129-0001", "SR-20261127-0001", "SR-20261125-0001"]
    assert "Page 1 of 1" not in narrowed and 'id="pages"' not in narrowed
    wide = await (await client.get("/cases?kind=fault")).text()
    assert _numbers(wide) == ["SR-20261128-0001", "SR-20261126-0001", "SR-20261124-0001"]
    assert "Page" not in visible(wide)
    everything = await (await client.get("/cases?status=new&start=2026-11-23")).text()
    link = re.search(r'href="/cases\?([^"]+)" id="page-next"', everything)
    assert link is not None and unescape(link.group(1)) == "status=new&start=2026-11-23&page=2"
    last = await (await client.get("/cases?status=new&start=2026-11-23&page=3")).text()
    assert _numbers(last) == ["SR-20261123-0001"]
    assert 'id="page-prev"' in last and 'id="page-next"' not in last
    assert _numbers(await (await client.get("/cases?status=closed")).text()) == []


async def test_garbage_parameters_give_the_unfiltered_list_and_say_so(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 7202, ["admin"])
    csrf = await log_in(harness, client, 7202)
    await _desk_case(harness, client, csrf, name="Buyer", phone="13800138001")
    for query in (
        "status=open%27--", "kind=%00", "technician=99999999999999", "technician=²",
        "start=2026-13-01", "end=9999-01-01", "page=0", "page=-1", "page=99999999999",
        "start=2026-12-01&end=2026-11-01", "region=%00%01", "q=%00%00", "q=" + "x" * 500,
    ):  # fmt: skip
        response = await client.get(f"/cases?{query}")
        assert response.status == 200, query
        text = visible(await response.text())
        if not query.startswith("q="):
            assert "could not be read and were left out" in text, query
            assert "SR-20261123-0001" in text, query
    far = visible(await (await client.get("/cases?page=40")).text())
    assert "SR-20261123-0001" in far  # past the end: the last page


async def test_a_serial_the_desk_typed_is_a_product_to_be_verified(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 7202, ["dispatcher"])
    csrf = await log_in(harness, client, 7202)
    await _desk_case(harness, client, csrf, name="Buyer", phone="13800138001", serial="sn-new-1")
    listing = await (await client.get("/cases?q=SN-NEW")).text()
    link = re.search(r'href="(/products/\d+)"', listing)
    assert link is not None
    product = visible(await (await client.get(link.group(1))).text())
    assert "SN-NEW-1" in product and "unknown · to be verified" in product
    assert "SR-20261123-0001" in product and "Buyer" in product
