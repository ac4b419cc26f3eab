"""Cases through the API: a request from another channel, the desk's actions, the register."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage.models import Case
from tests.harness import Harness
from tests.web.api.conftest import call, new_key
from tests.web.conftest import Client, add_staff

PRODUCT = {"model": "AC-9000", "category": "hvac", "warranty_end": "2030-01-01"}


async def customer_and_product(client: Client, key: str, serial: str = "SN-API-1") -> int:
    """A customer from the CRM with a product from the ERP; the customer's id."""
    status, customer = await call(
        client, "POST", "/api/v1/customers", key,
        {"name": "Wang Wei", "phone": "13800138000", "company": "ACME", "region": "east"},
    )  # fmt: skip
    assert status == 201, customer
    status, product = await call(client, "PUT", f"/api/v1/products/{serial}", key, PRODUCT)
    assert status == 200, product
    return int(customer["id"])


def notes(case: dict[str, Any]) -> list[str]:
    """The notes of a case's timeline."""
    return [e["note"] or "" for e in case["timeline"]]


async def test_a_phone_request_is_registered_announced_assigned_and_noted(
    harness: Harness, client: Client
) -> None:
    await add_staff(harness, 7001, ["dispatcher"], name="Desk Liu")
    technician = await add_staff(harness, 7002, ["technician"], name="Tech Zhao")
    key = await new_key(harness)
    customer_id = await customer_and_product(client, key)

    status, body = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "fault", "channel": "phone",
         "description": "Unit hums and stops", "product_serial": "sn-api-1"},
    )  # fmt: skip
    assert status == 201, body
    case = body["case"]
    assert case["number"].startswith("SR-") and case["status"] == "new"
    assert (case["channel"], case["warranty"]) == ("phone", "in_warranty")
    assert notes(case) == [""]
    assert case["timeline"][0]["data"] == {"channel": "phone", "registered_by": "api:erp"}
    await harness.settle()
    assert any(case["number"] in text for text in harness.user(7001).texts())

    path = f"/api/v1/cases/{case['id']}"
    status, body = await call(
        client, "POST", path + "/assign", key,
        {"technician_id": technician.id, "reason": "nearest"},
    )  # fmt: skip
    assert status == 200, body
    assert body["case"]["status"] == "assigned"
    assert body["case"]["technician_id"] == technician.id
    assert notes(body["case"])[-1] == "api:erp: nearest"
    assert body["case"]["timeline"][-1]["data"] == {
        "technician": "Tech Zhao", "technician_id": technician.id,
    }  # fmt: skip
    assert body["case"]["responded_at"] is not None
    await harness.settle()
    assert any(case["number"] in text for text in harness.user(7002).texts())

    status, body = await call(client, "POST", path + "/notes", key, {"text": "Called back"})
    assert status == 200 and notes(body["case"])[-1] == "api:erp: Called back"
    status, body = await call(client, "POST", path + "/close", key, {})
    assert (status, body["error"]) == (409, "conflict")
    status, body = await call(
        client, "POST", path + "/assign", key, {"technician_id": technician.id}
    )
    assert (status, body["error"]) == (409, "conflict")

    status, body = await call(client, "GET", path, key)
    assert status == 200 and [e["action"] for e in body["timeline"]] == [
        "create", "assign", "note",
    ]  # fmt: skip
    status, body = await call(client, "GET", "/api/v1/technicians", key)
    assert [(t["name"], t["open_jobs"]) for t in body["items"]] == [("Tech Zhao", 1)]


async def test_the_register_filters_and_pages_with_a_cursor(
    harness: Harness, client: Client
) -> None:
    key = await new_key(harness)
    customer_id = await customer_and_product(client, key)
    numbers = []
    for channel in ("phone", "letter", "phone"):
        status, body = await call(
            client, "POST", "/api/v1/cases", key,
            {"customer_id": customer_id, "kind": "installation", "channel": channel,
             "description": f"Install by {channel}"},
        )  # fmt: skip
        assert status == 201
        numbers.append(body["case"]["number"])
        harness.advance(timedelta(minutes=5))

    status, first = await call(client, "GET", "/api/v1/cases?channel=phone&limit=1", key)
    assert status == 200 and [c["number"] for c in first["items"]] == [numbers[2]]
    cursor = first["next_cursor"]
    status, second = await call(
        client, "GET", f"/api/v1/cases?channel=phone&limit=1&cursor={cursor}", key
    )
    assert [c["number"] for c in second["items"]] == [numbers[0]]
    assert second["next_cursor"] is None
    status, body = await call(
        client, "GET", "/api/v1/cases", key,
        params={"status": "new", "kind": "installation", "customer_id": str(customer_id),
                "created_from": "2000-01-01T00:00:00+08:00"},
    )  # fmt: skip
    assert len(body["items"]) == 3
    status, body = await call(client, "GET", f"/api/v1/customers/{customer_id}/cases", key)
    assert [c["number"] for c in body["items"]] == numbers[::-1]
    async with harness.session() as session:
        channels = list(await session.scalars(select(Case.channel).order_by(Case.id)))
    assert channels == ["phone", "letter", "phone"]


async def test_bad_input_answers_422_naming_each_field(harness: Harness, client: Client) -> None:
    key = await new_key(harness)
    customer_id = await customer_and_product(client, key)
    status, body = await call(
        client, "POST", "/api/v1/cases", key, {"kind": "repair", "description": "\x00"}
    )
    assert (status, body["error"]) == (422, "validation")
    fields = {problem["field"] for problem in body["detail"]}
    assert {"body.kind", "body.customer_id", "body.description"} <= fields

    response = await client.post(
        "/api/v1/cases", data=b"{not json", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 422
    assert (await response.json())["detail"] == [{"field": "body", "reason": "not valid JSON"}]

    for query, field in (
        ("limit=0", "query.limit"),
        ("created_from=2026-01-01", "query.created_from"),
        ("cursor=abc", "query.cursor"),
        ("status=lost", "query.status"),
    ):
        status, body = await call(client, "GET", f"/api/v1/cases?{query}", key)
        assert status == 422 and body["detail"][0]["field"] == field, (query, body)

    status, body = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "fault", "description": "x",
         "product_serial": "SN-UNKNOWN"},
    )  # fmt: skip
    assert status == 422
    assert body["detail"] == [
        {"field": "body.product_serial", "reason": "no product with this serial"}
    ]
    status, body = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "fault", "description": "x",
         "onsite_due_at": harness.clock.now().isoformat()},
    )  # fmt: skip
    assert status == 422 and body["detail"][0]["field"] == "body.onsite_due_at"
    async with harness.session() as session:
        assert list(await session.scalars(select(Case))) == []  # nothing half-saved
