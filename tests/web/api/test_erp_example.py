"""The ERP example in docs/ runs against the real app: API calls out, signed webhooks in."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
from pathlib import Path
from types import ModuleType

import pytest

from aftersales.commands.webhooks import add_subscription
from tests.harness import Harness
from tests.web.api.conftest import new_key
from tests.web.conftest import Client, add_staff

SCRIPT = Path(__file__).parents[3] / "docs" / "erp_example.py"


def load() -> ModuleType:
    """The example script as a module."""
    spec = importlib.util.spec_from_file_location("erp_example", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_erp_example_registers_a_case_hears_the_webhooks_and_reads_the_timeline(
    harness: Harness, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load()
    await add_staff(harness, 7601, ["technician"], name="Tech Zhou")
    key = await new_key(
        harness, "erp",
        "products:write,customers:read,customers:write,cases:read,cases:write,technicians:read",
    )  # fmt: skip
    port = free_port()
    _, secret = await add_subscription(
        harness.sessions, url=f"http://127.0.0.1:{port}/hooks",
        events="case.created,case.assigned", now=harness.clock.now(),
    )  # fmt: skip
    # The receiver checks timestamps against the bot's (injected) clock, as it would the real one.
    server, events = example.receiver(port, secret, clock=lambda: harness.clock.now().timestamp())
    try:
        base_url = str(client.make_url("")).rstrip("/")
        case = await asyncio.to_thread(example.run, base_url, key, events)
    finally:
        server.shutdown()
        server.server_close()
    assert (case["channel"], case["status"]) == ("phone", "assigned")
    assert [e["action"] for e in case["timeline"]] == ["create", "assign", "note"]
    out = capsys.readouterr().out
    assert "synced 2 products" in out and "assigned to Tech Zhou" in out
    assert f"webhook case.created {case['number']} new" in out
    assert f"webhook case.assigned {case['number']} assigned" in out
    assert "api:erp: Customer prefers mornings." in out
    assert '"technician": "Tech Zhou"' in out  # the assignment's data, as the ERP reads it
