"""An ERP talking to aftersales over its REST API (standard library only).

    aftersales api-key create --name erp \\
        --scopes products:write,customers:read,customers:write,cases:read,cases:write
    AFTERSALES_API_URL=http://127.0.0.1:8080 AFTERSALES_API_KEY=as_... python docs/erp_example.py

It syncs two products, finds or registers their owner by phone, registers the owner's
phone call as a fault case on the first product, and prints the case's timeline.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class Api:
    """A tiny client: JSON in, JSON out, errors raised with the API's message and fields."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.key = key

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        """One call; the decoded answer."""
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            problem = json.loads(error.read())
            raise SystemExit(f"{method} {path}: {error.code} {problem}") from None


def run(base_url: str, key: str) -> dict[str, Any]:
    """The whole exchange; returns the case as the API shows it at the end."""
    api = Api(base_url, key)
    phone = "+8613800138000"
    products = [
        {"serial": "ERP-0001", "model": "AC-9000", "category": "hvac",
         "customer_phone": phone, "purchase_date": "2026-01-10", "warranty_end": "2028-01-10"},
        {"serial": "ERP-0002", "model": "AC-9000", "category": "hvac",
         "warranty_end": "2027-06-30"},
    ]  # fmt: skip
    print("synced", api("POST", "/products", {"products": products})["written"], "products")
    found = api("GET", f"/customers?phone={urllib.parse.quote(phone)}")["items"]
    customer = (
        found[0]
        if found
        else api("POST", "/customers", {"name": "Wang Wei", "phone": phone, "company": "ACME"})
    )
    print("customer", customer["id"], customer["name"])
    case = api(
        "POST", "/cases",
        {"customer_id": customer["id"], "kind": "fault", "channel": "phone",
         "product_serial": "ERP-0001", "description": "Called: the unit hums and stops."},
    )["case"]  # fmt: skip
    print("registered", case["number"], "warranty:", case["warranty"])
    api("POST", f"/cases/{case['id']}/notes", {"text": "Customer prefers mornings."})
    case = api("GET", f"/cases/{case['id']}")
    for event in case["timeline"]:
        print(" ", event["at"], event["action"], event["to_status"] or "", event["note"] or "")
    return dict(case)


if __name__ == "__main__":
    url, secret = os.environ.get("AFTERSALES_API_URL"), os.environ.get("AFTERSALES_API_KEY")
    if not url or not secret:
        sys.exit("Set AFTERSALES_API_URL (e.g. http://127.0.0.1:8080) and AFTERSALES_API_KEY.")
    run(url, secret)
