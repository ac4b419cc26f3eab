"""Whatever a URL, a query or a form carries, the dashboard answers it without a 500."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.models import Case
from tests.bot.customer_steps import register, report_fault
from tests.factories import make_product
from tests.harness import Harness
from tests.sampling import examples
from tests.web.conftest import Client, add_staff, log_in

ADMIN = 8801
CUSTOMER = 8802
HUGE = "99999999999999999999"
VIEWS = Path(__file__).parents[2] / "web" / "views"


async def _reported_case(harness: Harness) -> int:
    """A case reported by a customer in chat; returns its id."""
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-1001", now=harness.clock.now())
    user = await register(harness, CUSTOMER)
    assert "registered as" in await report_fault(harness, user)
    async with harness.session() as session:
        [case] = list(await session.scalars(select(Case)))
    return case.id


async def test_the_reported_500s_are_plain_answers(harness: Harness, client: Client) -> None:
    case_id = await _reported_case(harness)
    await add_staff(harness, ADMIN, ["admin"])
    csrf = await log_in(harness, client, ADMIN)
    for path in (
        "/?technician=²",
        f"/?technician={HUGE}",
        f"/cases/{HUGE}",
        f"/cases/{case_id}/photos/{HUGE}",
        f"/cases/{HUGE}/photos/1",
        "/cases/٣",  # an Arabic-Indic three is a digit to Python, not an id
        "/exports/intake.csv?start=0001-01-01&end=0001-12-31",
        "/exports/intake.csv?start=9999-12-01&end=9999-12-31",
        "/exports/intake.csv?start=20261101&end=2026-11-30",
        "/standards?month=9999-12",
        "/standards?month=0001-01",
        "/standards?month=٢٠٢٦-١١",
        "/cases/new?q=%00",  # PostgreSQL refuses a NUL in any text it is sent
        "/cases/new?q=%00%01abc",
    ):
        response = await client.get(path, allow_redirects=False)
        assert response.status < 500, (path, response.status)
        assert response.status in (200, 400, 404), (path, response.status)
    for chosen in ("²", HUGE, "-1", " 1"):
        response = await client.post(
            f"/cases/{case_id}/assign",
            data={"csrf": csrf, "technician": chosen},
            allow_redirects=False,
        )
        assert response.status == 302, chosen
        assert response.headers["Location"].endswith("notice=bad_technician"), chosen
    months = await client.get("/standards?month=9999-12")
    assert "Please choose a month like 2026-11." in await months.text()


def _names(pattern: str) -> list[str]:
    """Every query or form field name the views read (found in their source)."""
    found = {
        name
        for module in VIEWS.glob("*.py")
        for name in re.findall(pattern, module.read_text(encoding="utf-8"))
    }
    return sorted(found)


QUERY_NAMES = _names(r'request\.query\.get\("(\w+)"')
FORM_NAMES = [name for name in _names(r'form\.get\("(\w+)"') if name != "csrf"]

# Arbitrary text, and the near misses that break naive parsers: numbers past BIGINT, dates and
# months at the calendar's edges, digits that are not ASCII.
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(date.isoformat),
    st.dates().map(lambda day: day.strftime("%Y-%m")),
    st.sampled_from(["²", "٣", "0", "1", "9" * 20, "", " ", "%", "/", "..", "\x00"]),
)


def _dashboard_routes(app: web.Application) -> list[tuple[str, str, list[str]]]:
    """(method, path template, parameter names) of every route but static files and HEAD."""
    routes = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        if route.method == "HEAD" or "directory" in info:
            continue
        template = str(info.get("formatter") or info.get("path"))
        routes.append((route.method, template, re.findall(r"{(\w+)}", template)))
    return sorted(routes)


@pytest.mark.long
async def test_no_input_makes_a_dashboard_route_fail(harness: Harness, client: Client) -> None:
    case_id = await _reported_case(harness)
    await add_staff(harness, ADMIN, ["admin"])
    csrf = await log_in(harness, client, ADMIN)
    routes = _dashboard_routes(client.app)
    assert ("GET", "/cases/{case_id}/photos/{photo_id}", ["case_id", "photo_id"]) in routes
    assert {"technician", "start", "end", "month"} <= set(QUERY_NAMES)
    values = st.one_of(VALUES, st.just(str(case_id)))
    loop = asyncio.get_running_loop()
    failures: list[str] = []

    async def request(method: str, path: str, query: dict[str, str], form: dict[str, str]) -> int:
        # The real CSRF token gets POSTs past the check to their parsing; logout excepted, or
        # the rest of the run would be logged out.
        data = {**form, "csrf": csrf if path != "/logout" else "x"}
        response = await client.request(
            method,
            path,
            params=query,
            data=data if method == "POST" else None,
            allow_redirects=False,
        )
        await response.read()
        return response.status

    def sweep(method: str, template: str, params: list[str]) -> None:
        """Up to 30 requests with arbitrary values in every parameter the route may read."""

        @settings(
            max_examples=examples(30),
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            path_values=st.fixed_dictionaries({name: values for name in params}),
            query=st.dictionaries(st.sampled_from(QUERY_NAMES), values, max_size=3),
            form=st.dictionaries(st.sampled_from(FORM_NAMES), values, max_size=3),
        )
        def probe(
            path_values: dict[str, str], query: dict[str, str], form: dict[str, str]
        ) -> None:
            path = template
            for name, value in path_values.items():
                path = path.replace("{" + name + "}", quote(value, safe="") or "%20")
            # Hypothesis drives the examples from this thread; the app answers on the loop.
            status = asyncio.run_coroutine_threadsafe(
                request(method, path, query, form), loop
            ).result(timeout=30)
            # /readyz says 503 by design while the scheduler has not ticked (tests tick it).
            if status >= 500 and (path, status) != ("/readyz", 503):
                failures.append(f"{method} {path} {query} {form}: {status}")

        probe()

    for method, template, params in routes:
        await asyncio.to_thread(sweep, method, template, params)
    assert failures == []


async def test_ids_past_the_integer_columns_are_not_found(
    harness: Harness, client: Client
) -> None:
    # Row ids are INTEGER columns: on PostgreSQL a value past 2^31 - 1 cannot even be sent in
    # a query, so it must be refused before one (SQLite, with 64-bit integers, hides this).
    case_id = await _reported_case(harness)
    await add_staff(harness, ADMIN, ["admin"])
    csrf = await log_in(harness, client, ADMIN)
    past = str(2**31)
    for path in (f"/cases/{past}", f"/cases/{case_id}/photos/{past}", f"/staff/{past}/remove"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 404, (path, response.status)
    board = await client.get(f"/?technician={past}")
    assert board.status == 200
    for path in (f"/integrations/deliveries/{past}/redeliver", f"/staff/{past}/remove"):
        response = await client.post(path, data={"csrf": csrf}, allow_redirects=False)
        assert response.status in (302, 404), (path, response.status)
