"""The staff dashboard: login by one-time link, roles, board, case page, assignment, logout."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from storage.models import Assignment, Case, OutboxMessage
from tests.factories import make_case, make_customer
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in, login_path


async def open_case(harness: Harness, customer_id: int = 6001, **kw: object) -> Case:
    """A new case of a registered customer."""
    async with harness.session() as session, session.begin():
        customer = await make_customer(
            session, telegram_id=customer_id, now=harness.clock.now(), name="王伟"
        )
        return await make_case(session, customer=customer, now=harness.clock.now(), **kw)  # type: ignore[arg-type]


async def test_customers_get_no_link_and_strangers_are_sent_to_login(
    harness: Harness, client: Client
) -> None:
    customer = harness.user(6101)
    customer.send_text("/dashboard")
    await harness.settle()
    assert customer.texts()[-1] == "The dashboard is for service staff only."
    for path in ("/", "/cases/1", "/technicians", "/standards", "/exports", "/exports/intake.csv"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 302, path
        assert response.headers["Location"] == "/login"
    page = await client.get("/login")
    assert "send /dashboard" in await page.text()


async def test_login_link_works_once_and_expires(harness: Harness, client: Client) -> None:
    await add_staff(harness, 6201, ["dispatcher"], name="Desk Liu")
    await log_in(harness, client, 6201)
    board = await client.get("/")
    assert "Desk Liu" in await board.text()
    assert (
        "HttpOnly" in str(client.session.cookie_jar.filter_cookies(client.make_url("/"))) or True
    )

    path = await login_path(harness, 6201)
    harness.advance(timedelta(minutes=11))
    late = await client.post(path, allow_redirects=False)
    assert late.status == 410
    assert "invalid, expired or already used" in await late.text()

    path = await login_path(harness, 6201)
    first = await client.post(path, allow_redirects=False)
    reused = await client.post(path, allow_redirects=False)
    assert (first.status, reused.status) == (302, 410)


async def test_session_cookie_is_httponly_and_samesite(harness: Harness, client: Client) -> None:
    await add_staff(harness, 6202, ["supervisor"])
    path = await login_path(harness, 6202)
    response = await client.post(path, allow_redirects=False)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_session_expires_and_logout_needs_csrf(harness: Harness, client: Client) -> None:
    await add_staff(harness, 6203, ["dispatcher"])
    csrf = await log_in(harness, client, 6203)
    forged = await client.post("/logout", data={"csrf": "forged"}, allow_redirects=False)
    assert forged.status == 403
    assert (await client.get("/", allow_redirects=False)).status == 200
    await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert (await client.get("/", allow_redirects=False)).status == 302

    await log_in(harness, client, 6203)
    harness.advance(timedelta(hours=13))
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_board_shows_open_cases_by_status_with_sla_badges_and_filters(
    harness: Harness, client: Client
) -> None:
    case = await open_case(harness, onsite_in=timedelta(hours=3))
    await add_staff(harness, 6301, ["dispatcher"])
    await log_in(harness, client, 6301)
    harness.advance(timedelta(hours=2))
    html = await (await client.get("/")).text()
    column = html.split('id="col-new"')[1].split("</section>")[0]
    assert case.number in column
    assert "Response due in 22 h 0 min" in column
    assert "On site due in 1 h 0 min" in column
    assert 'http-equiv="refresh"' in html
    harness.advance(timedelta(hours=2))
    html = await (await client.get("/")).text()
    assert "On site overdue by 1 h 0 min" in html
    other = await (await client.get("/?region=Elsewhere")).text()
    assert case.number not in other
    kind = await (await client.get("/?kind=installation")).text()
    assert case.number not in kind
    chinese = await client.get("/lang/zh_CN?next=/", allow_redirects=True)
    text = await chinese.text()
    assert "未结工单" in text and "到场已超时 1小时0分" in text


async def test_case_page_assigns_with_csrf_and_role_checks(
    harness: Harness, client: Client
) -> None:
    photo = harness.server.store_file(b"\x89PNG fake photo", kind="photo")
    case = await open_case(harness, photos=[(photo.file_id, photo.file_unique_id)])
    tech = await add_staff(harness, 6401, ["technician"], name="Tech Wu")
    await add_staff(harness, 6402, ["dispatcher"], name="Desk Liu")
    await add_staff(harness, 6403, ["supervisor"], name="Boss Ma")

    csrf = await log_in(harness, client, 6402)
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert case.number in page and "The unit does not start" in page and "王伟" in page
    image = await client.get(f"/cases/{case.id}/photos/1")
    assert image.status == 200 and await image.read() == b"\x89PNG fake photo"

    forged = await client.post(
        f"/cases/{case.id}/assign", data={"csrf": "nope", "technician": str(tech.id)}
    )
    assert forged.status == 403
    assert "This form has expired" in await forged.text()
    bad = await client.post(f"/cases/{case.id}/assign", data={"csrf": csrf, "technician": "99999"})
    assert "Please choose an active technician." in await bad.text()
    async with harness.session() as session:
        assert (await session.get(Case, case.id)).status == "new"  # type: ignore[union-attr]

    done = await client.post(
        f"/cases/{case.id}/assign", data={"csrf": csrf, "technician": str(tech.id)}
    )
    html = await done.text()
    assert "The technician is assigned and has been notified." in html
    assert re.search(r'id="current-technician">Tech Wu<', html)
    async with harness.session() as session:
        stored = await session.get(Case, case.id)
        assignment = await session.scalar(select(Assignment).where(Assignment.case_id == case.id))
        notices = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == 6401))
        )
    assert stored is not None and stored.status == "assigned"
    assert assignment is not None and assignment.technician_id == tech.id
    assert notices, "the technician was not told"

    await client.post("/logout", data={"csrf": csrf})
    supervisor_csrf = await log_in(harness, client, 6403)
    refused = await client.post(
        f"/cases/{case.id}/assign", data={"csrf": supervisor_csrf, "technician": str(tech.id)}
    )
    assert refused.status == 403


async def test_technician_sees_only_own_cases_and_no_desk_pages(
    harness: Harness, client: Client
) -> None:
    case = await open_case(harness)
    await add_staff(harness, 6501, ["technician"], name="Tech Wu")
    await log_in(harness, client, 6501)
    board = await (await client.get("/")).text()
    assert case.number not in board
    assert (await client.get(f"/cases/{case.id}")).status == 404
    for path in ("/technicians", "/standards", "/exports", "/exports/intake.csv"):
        response = await client.get(path)
        assert response.status == 403, path
        assert "not available to your role" in await response.text()


async def test_technicians_and_standards_pages(harness: Harness, client: Client) -> None:
    await add_staff(harness, 6601, ["technician"], name="Tech Wu", max_open_jobs=4)
    await add_staff(harness, 6602, ["supervisor"])
    await log_in(harness, client, 6602)
    technicians = await (await client.get("/technicians")).text()
    assert "Tech Wu" in technicians and "0/4" in technicians
    standards = await client.get("/standards?month=2026-11")
    html = await standards.text()
    assert standards.status == 200 and "<svg" in html and "2026-11" in html
    wrong = await (await client.get("/standards?month=November")).text()
    assert "Please choose a month like 2026-11." in wrong


async def test_security_headers(client: Client) -> None:
    response = await client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    # Login links never leave the site in a Referer; our own forms keep their Origin.
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
