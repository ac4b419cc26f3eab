"""Supplier claims (#22): a supplier part report tells purchasing and enters the register."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import OutboxMessage, SupplierClaim
from tests.bot.dispatch_steps import PURCHASING_CHAT as PURCHASING
from tests.bot.dispatch_steps import accepted_job, check_in, file_report, harness, only_case
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in

__all__ = ["harness"]


async def test_supplier_part_tells_purchasing_and_enters_the_claim_register(
    harness: Harness, client: Client
) -> None:
    _, tech = await accepted_job(harness)
    await check_in(harness, tech)
    filed = await file_report(
        harness, tech, parts=("Compressor K3, 1, 350",), cause="Supplier part",
        supplier="Acme Compressors Ltd",
    )  # fmt: skip
    assert "filed" in filed
    case = await only_case(harness)
    async with harness.session() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.chat_id == PURCHASING)
        )
        [claim] = list(await session.scalars(select(SupplierClaim)))
    assert row is not None and row.payload["key"] == "claims.purchasing"
    assert row.payload["args"]["number"] == case.number
    assert row.payload["args"]["supplier"] == "Acme Compressors Ltd"
    assert "Compressor K3" in str(row.payload["args"]["parts"])
    assert claim.case_id == case.id and claim.outcome == "open"

    # Purchasing (a supervisor's account) records the outcome; a technician may not.
    await add_staff(harness, 6701, ["supervisor"], name="Buyer Qian")
    csrf = await log_in(harness, client, 6701)
    page = await (await client.get("/claims")).text()
    assert case.number in page and "Acme Compressors Ltd" in page and "open" in page
    forged = await client.post(f"/claims/{claim.id}/outcome", data={"csrf": "x"})
    assert forged.status == 403
    bad = await client.post(f"/claims/{claim.id}/outcome", data={"csrf": csrf, "outcome": "maybe"})
    assert "Please choose an outcome" in await bad.text()
    done = await client.post(
        f"/claims/{claim.id}/outcome",
        data={"csrf": csrf, "outcome": "accepted", "note": "credit note 4471"},
    )
    assert "Outcome recorded." in await done.text()
    csv = (await (await client.get("/claims.csv")).read()).decode("utf-8")
    assert csv.startswith("\ufeffCase,Supplier,Parts")
    assert case.number in csv and "accepted by the supplier" in csv and "credit note 4471" in csv
    await client.get("/lang/zh_CN?next=/claims")
    assert "供应商已接受" in await (await client.get("/claims")).text()
