"""Steps of the case-page action tests: the desk logged in, a form posted, the outbox delivered."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from storage.models import Case, CaseEvent
from tests.harness import Harness
from tests.web.conftest import Client

NOTICE = re.compile(r'<p class="notice (ok|late)" id="notice">([^<]*)</p>')


async def act(
    harness: Harness, client: Client, case_id: int, action: str, **fields: str
) -> tuple[int, str]:
    """Posts a case-page form; returns the status and the page's notice (or the refusal page)."""
    response = await client.post(f"/cases/{case_id}/{action}", data=fields, allow_redirects=False)
    if response.status != 302:
        return response.status, await response.text()
    page = await client.get(response.headers["Location"])
    found = NOTICE.search(await page.text())
    assert found is not None
    await deliver(harness)
    return page.status, html.unescape(found.group(2))


async def deliver(harness: Harness) -> None:
    """Sends what the outbox holds now."""
    assert harness.runtime is not None
    await harness.runtime.sender.drain()


async def case_row(harness: Harness, case_id: int) -> Case:
    """The case as stored now."""
    async with harness.session() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def event_actions(harness: Harness, case_id: int) -> list[str]:
    """The actions of the case's events, oldest first."""
    async with harness.session() as session:
        rows = await session.scalars(
            select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
        return list(rows)


def timeline(page: str) -> str:
    """The timeline section of a case page, tags dropped."""
    section = page.split('id="timeline">')[1].split("</ol>")[0]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))
