"""An ERP talking to aftersales: REST API calls out, signed webhooks in (standard library only).

    aftersales api-key create --name erp --scopes \\
        products:write,customers:read,customers:write,cases:read,cases:write,technicians:read
    aftersales webhook add --url http://127.0.0.1:8765/hooks --events case.created,case.assigned
    AFTERSALES_API_URL=http://127.0.0.1:8080 AFTERSALES_API_KEY=as_... \\
    AFTERSALES_WEBHOOK_SECRET=whsec_... python docs/erp_example.py

It listens for webhooks on port 8765, syncs two products, finds or registers their owner by
phone, registers the owner's phone call as a fault case, assigns the least busy technician,
waits for the signed `case.created` and `case.assigned` webhooks, and prints the timeline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLAY_SECONDS = 300


def verified(secret: str, headers: Any, body: bytes, now: float) -> bool:
    """The receiver's check (docs/webhooks.md): a fresh timestamp and its HMAC-SHA256."""
    stamp = headers.get("X-Aftersales-Timestamp", "")
    if not stamp.isdigit() or abs(now - int(stamp)) > REPLAY_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(
        "v1=" + expected.hexdigest(), headers.get("X-Aftersales-Signature", "")
    )


def receiver(
    port: int, secret: str, clock: Any = time.time
) -> tuple[ThreadingHTTPServer, queue.Queue[dict[str, Any]]]:
    """A webhook endpoint in a thread; verified events arrive on the queue, once per event id."""
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    seen: set[str] = set()

    class Hooks(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not verified(secret, self.headers, body, clock()):
                self.send_response(401)
            else:
                self.send_response(204)
                event = json.loads(body)
                if event["id"] not in seen:  # a retry of an event already handled
                    seen.add(event["id"])
                    events.put(event)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Hooks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, events


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


def run(base_url: str, key: str, events: queue.Queue[dict[str, Any]]) -> dict[str, Any]:
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
    technicians = api("GET", "/technicians")["items"]
    if technicians:
        chosen = min(technicians, key=lambda t: t["open_jobs"])
        api("POST", f"/cases/{case['id']}/assign", {"technician_id": chosen["id"]})
        print("assigned to", chosen["name"])
    for _ in range(2 if technicians else 1):
        event = events.get(timeout=15)
        print("webhook", event["type"], event["data"]["number"], event["data"]["status"])
    api("POST", f"/cases/{case['id']}/notes", {"text": "Customer prefers mornings."})
    case = api("GET", f"/cases/{case['id']}")
    for event in case["timeline"]:
        # `data`: what the event records (technician, quote, root cause...); `note`: typed text.
        facts = json.dumps(event["data"], ensure_ascii=False) if event["data"] else ""
        print(
            " ", event["at"], event["action"], event["to_status"] or "", facts, event["note"] or ""
        )
    return dict(case)


if __name__ == "__main__":
    url, secret = os.environ.get("AFTERSALES_API_URL"), os.environ.get("AFTERSALES_API_KEY")
    hook_secret = os.environ.get("AFTERSALES_WEBHOOK_SECRET")
    if not url or not secret or not hook_secret:
        sys.exit("Set AFTERSALES_API_URL, AFTERSALES_API_KEY and AFTERSALES_WEBHOOK_SECRET.")
    server, received = receiver(8765, hook_secret)
    try:
        run(url, secret, received)
    finally:
        server.shutdown()
        server.server_close()
