"""The technician keeps up to five photos of the finished work with the service report."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CasePhoto
from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import (
    accepted_job,
    check_in,
    harness,
    only_case,
)
from tests.harness import Harness
from tests.web.conftest import Client, client, log_in

__all__ = ["client", "harness"]


async def test_after_work_photos_are_kept_with_the_report(
    harness: Harness, client: Client
) -> None:
    _, tech = await accepted_job(harness)
    await check_in(harness, tech)
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Report")
    asked = await say(harness, tech, "Replaced the start relay and tested.")
    assert "photos of the finished work" in asked
    for n in range(1, 7):
        tech.send_photo(f"\x89PNG after {n}".encode())
        await harness.settle()
        if n <= 5:
            assert f"Photo {n} of 5 kept" in tech.texts()[-1]
    assert "5 photos already" in tech.texts()[-1]
    await say(harness, tech, "Start relay, 1, 35.50")
    await press(harness, tech, "No more parts")
    await say(harness, tech, "1.5")
    await say(harness, tech, "20")
    await press(harness, tech, "Wear")
    await press(harness, tech, "No")
    summary = await press(harness, tech, "Yes")
    assert "Photos of the work: 5" in summary
    assert "filed" in await press(harness, tech, "Submit")

    case = await only_case(harness)
    async with harness.session() as session:
        photos = list(await session.scalars(select(CasePhoto).order_by(CasePhoto.id)))
    assert [p.added_by for p in photos] == ["technician"] * 5
    assert all(p.case_id == case.id for p in photos)

    await log_in(harness, client, 9000)
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert page.count(f"/cases/{case.id}/photos/") >= 5
    assert page.count("After the work") == 5
    assert f"/cases/{case.id}/report.pdf" in page  # the case page of a reported case renders
