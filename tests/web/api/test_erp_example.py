"""The ERP example in docs/ runs against the real app and leaves the case it describes."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.harness import Harness
from tests.web.api.conftest import new_key
from tests.web.conftest import Client

SCRIPT = Path(__file__).parents[3] / "docs" / "erp_example.py"


def load() -> ModuleType:
    """The example script as a module."""
    spec = importlib.util.spec_from_file_location("erp_example", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_erp_example_syncs_registers_and_reads_the_timeline(
    harness: Harness, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await new_key(
        harness, "erp", "products:write,customers:read,customers:write,cases:read,cases:write"
    )
    base_url = str(client.make_url("")).rstrip("/")
    case = await asyncio.to_thread(load().run, base_url, key)
    assert (case["channel"], case["warranty"], case["status"]) == ("phone", "in_warranty", "new")
    assert [e["action"] for e in case["timeline"]] == ["create", "note"]
    out = capsys.readouterr().out
    assert "synced 2 products" in out and case["number"] in out
    assert "api:erp: Customer prefers mornings." in out
