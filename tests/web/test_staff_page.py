"""The dashboard's staff page: admins only, removal with confirmation and CSRF, the audit log."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from storage.repos import people
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in


async def test_admin_removes_staff_on_the_dashboard(harness: Harness, client: Client) -> None:
    admin = await add_staff(harness, 6501, ["admin"], name="Admin Gao")
    tech = await add_staff(harness, 6502, ["technician", "dispatcher"], name="Tech Wu")
    await add_staff(harness, 6503, ["dispatcher"], name="Desk Liu")
    assert harness.runtime is not None
    async with TestClient(TestServer(harness.runtime.build_web_app())) as desk_client:
        await log_in(harness, desk_client, 6503)
        assert (await desk_client.get("/staff")).status == 403
        refused = await desk_client.post(f"/staff/{tech.id}/remove", data={"csrf": "x"})
        assert refused.status == 403
    async with TestClient(TestServer(harness.runtime.build_web_app())) as tech_client:
        await log_in(harness, tech_client, 6502)
        assert (await tech_client.get("/", allow_redirects=False)).status == 200

        csrf = await log_in(harness, client, 6501)
        page = await (await client.get("/staff")).text()
        assert "Tech Wu" in page and "Desk Liu" in page and 'href="/staff"' in page
        assert f"/staff/{admin.id}/remove" not in page  # no removing oneself
        confirm = await client.get(f"/staff/{tech.id}/remove?role=dispatcher")
        assert "Take the dispatcher role from Tech Wu?" in await confirm.text()
        forged = await client.post(
            f"/staff/{tech.id}/remove", data={"csrf": "forged", "role": "dispatcher"}
        )
        assert forged.status == 403
        done = await client.post(
            f"/staff/{tech.id}/remove",
            data={"csrf": csrf, "role": "dispatcher"},
            allow_redirects=False,
        )
        assert done.headers["Location"] == "/staff?notice=removed"
        async with harness.session() as session:
            member = await people.get_staff(session, telegram_id=6502)
        assert member is not None and member.role_set == {"technician"}

        await client.post(f"/staff/{tech.id}/remove", data={"csrf": csrf, "role": ""})
        async with harness.session() as session:
            assert await people.get_staff(session, telegram_id=6502) is None
        # The removed person's session ended at once.
        assert (await tech_client.get("/", allow_redirects=False)).status == 302

    self_removal = await client.post(
        f"/staff/{admin.id}/remove", data={"csrf": csrf}, allow_redirects=False
    )
    assert self_removal.headers["Location"] == "/staff?notice=self"
    page = await (await client.get("/staff?notice=removed")).text()
    assert "Removed." in page and "Grants and removals" in page
    assert page.count("Tech Wu") == 2  # two removals in the log, none left in the list
    await client.get("/lang/zh_CN?next=/staff")
    chinese = await (await client.get("/staff")).text()
    assert "授予与移除记录" in chinese and "移除" in chinese and "调度" in chinese
    assert (await client.get("/staff/99999999999999999999/remove")).status == 404
