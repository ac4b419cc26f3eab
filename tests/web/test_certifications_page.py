"""Certificates on the dashboard (#22): admins record and revoke them; assign asks first."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Assignment, Certification
from tests.factories import make_product
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in
from tests.web.test_dashboard import open_case


async def test_admin_certifies_and_the_desk_confirms_an_uncertified_assign(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 6601, ["admin", "dispatcher"], name="Admin Gao")
    wu = await add_staff(harness, 6602, ["technician"], name="Tech Wu")
    ma = await add_staff(harness, 6603, ["technician"], name="Tech Ma")
    csrf = await log_in(harness, client, 6601)

    forged = await client.post(
        "/staff/certify", data={"csrf": "x", "staff": str(wu.id), "category": "hvac",
                                "until": "2027-01-31"},
    )  # fmt: skip
    assert forged.status == 403
    bad = await client.post(
        "/staff/certify",
        data={"csrf": csrf, "staff": str(wu.id), "category": "hvac", "until": "2027-02-30"},
    )
    assert "Please give a product category" in await bad.text()
    done = await client.post(
        "/staff/certify",
        data={"csrf": csrf, "staff": str(wu.id), "category": "hvac", "until": "2027-01-31"},
    )
    page = await done.text()
    assert "Certificate recorded." in page and "2027-01-31" in page
    await client.post(
        "/staff/certify",
        data={"csrf": csrf, "staff": str(ma.id), "category": "hvac", "until": "2027-01-31"},
    )
    revoked = await client.post(
        "/staff/certify",
        data={"csrf": csrf, "staff": str(ma.id), "category": "hvac", "revoke": "1"},
    )
    assert "Certificate revoked." in await revoked.text()
    async with harness.session() as session:
        held = [(c.staff_id, c.category) for c in await session.scalars(select(Certification))]
    assert held == [(wu.id, "hvac")]
    await client.get("/lang/zh_CN?next=/staff")
    assert "资质证书" in await (await client.get("/staff")).text()
    await client.get("/lang/en?next=/staff")

    # Assigning Tech Ma (not certified for hvac) asks for the confirmation first.
    async with harness.session() as session, session.begin():
        product = await make_product(session, serial="SN-CERT-1", now=harness.clock.now())
    case = await open_case(harness, product=product)
    assert case.category == "hvac"
    asked = await client.post(
        f"/cases/{case.id}/assign", data={"csrf": csrf, "technician": str(ma.id)}
    )
    assert "This technician is not certified for this product category" in await asked.text()
    async with harness.session() as session:
        assert await session.scalar(select(Assignment)) is None
    confirmed = await client.post(
        f"/cases/{case.id}/assign",
        data={"csrf": csrf, "technician": str(ma.id), "confirm": "1"},
    )
    assert "The technician is assigned" in await confirmed.text()
    async with harness.session() as session:
        assignment = await session.scalar(select(Assignment))
    assert assignment is not None and assignment.certification == "none"
