"""The sandbox page's JSON endpoints, driven with aiohttp's test client against the real bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.demo import NEWCOMER, Sandbox
from core.clock import ManualClock
from tests.sandbox.sandbox_world import running_sandbox, sandbox_ui


@pytest.fixture
async def sandbox(engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[Sandbox]:
    async with running_sandbox(engine, clock) as running:
        yield running


async def _client(sandbox: Sandbox, **kw: Any) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(TestServer(sandbox_ui(sandbox, **kw).app()))
    await client.start_server()
    return client


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[TestClient[Any, Any]]:
    client = await _client(sandbox)
    yield client
    await client.close()


async def _pane(client: TestClient[Any, Any], key: str) -> dict[str, Any]:
    response = await client.get(f"/sandbox/api/panes/{key}")
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def _say(
    client: TestClient[Any, Any], sandbox: Sandbox, key: str, text: str
) -> dict[str, Any]:
    response = await client.post(f"/sandbox/api/panes/{key}/text", json={"text": text})
    assert response.status == 200, await response.text()
    await sandbox.settle()
    last: dict[str, Any] = (await _pane(client, key))["messages"][-1]
    return last


async def _press(
    client: TestClient[Any, Any], sandbox: Sandbox, key: str, label: str
) -> dict[str, Any]:
    """Presses the button whose text contains label, in the newest message showing it."""
    messages = (await _pane(client, key))["messages"]
    for message in reversed(messages):
        for r, row in enumerate(message["buttons"]):
            for c, button in enumerate(row):
                if label in button["text"]:
                    body = {"message_id": message["id"], "row": r, "column": c}
                    response = await client.post(f"/sandbox/api/panes/{key}/press", json=body)
                    assert response.status == 200, await response.text()
                    await sandbox.settle()
                    last: dict[str, Any] = (await _pane(client, key))["messages"][-1]
                    return last
    raise AssertionError(f"no button {label!r} in pane {key}")


async def test_page_is_marked_as_a_sandbox_and_shows_five_phones(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/sandbox")
    assert response.status == 200
    html = await response.text()
    assert "SANDBOX — not connected to Telegram" in html
    for key in ("newcomer", "customer", "technician", "dispatcher", "supervisor"):
        assert f'data-pane="{key}"' in html
    assert '<span class="role">new customer</span>' in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = await client.get("/sandbox/static/sandbox.js")
    assert script.status == 200
    state = await (await client.get("/sandbox/api/state")).json()
    assert [p["role"] for p in state["panes"]] == [
        "newcomer",
        "customer",
        "technician",
        "dispatcher",
        "supervisor",
    ]
    assert state["clock"]["local"] == "2026-11-23 09:00"


async def test_customer_reports_a_fault_through_the_pane(
    client: TestClient[Any, Any], sandbox: Sandbox
) -> None:
    question = await _say(client, sandbox, "customer", "/report")
    assert question["from"] == "bot" and "Which product" in question["text"]
    await _press(client, sandbox, "customer", "AC-2025-0001")
    await _say(client, sandbox, "customer", "Not cooling, error E4 on the display")
    await _press(client, sandbox, "customer", "Continue")
    await _say(client, sandbox, "customer", "88 Century Ave, Pudong, Shanghai")
    await _press(client, sandbox, "customer", "Tomorrow")
    answer = await _press(client, sandbox, "customer", "Confirm")
    assert "SR-20261123-0001" in answer["text"] and "in warranty" in answer["text"]
    messages = (await _pane(client, "customer"))["messages"]
    mine = [m["text"] for m in messages if m["from"] == "user"]
    assert mine[:2] == ["/report", "Not cooling, error E4 on the display"]
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)


async def test_contact_location_and_photo_show_in_the_pane(
    client: TestClient[Any, Any], sandbox: Sandbox
) -> None:
    assert (await client.post("/sandbox/api/panes/customer/contact")).status == 200
    body = {"latitude": 31.24, "longitude": 121.5}
    assert (await client.post("/sandbox/api/panes/customer/location", json=body)).status == 200
    response = await client.post("/sandbox/api/panes/customer/photo", json={"caption": "E4"})
    assert response.status == 200
    await sandbox.settle()
    sent = [m for m in (await _pane(client, "customer"))["messages"] if m["from"] == "user"]
    assert sent[0]["contact"]["phone_number"] == "+8613800138000"
    assert sent[1]["location"] == {"latitude": 31.24, "longitude": 121.5}
    assert sent[2]["kind"] == "photo" and sent[2]["text"] == "E4"
    image = await client.get(sent[2]["photo"])
    assert image.status == 200 and (await image.read()).startswith(b"\x89PNG")


async def test_the_fifth_phone_is_a_new_customer_who_registers(
    client: TestClient[Any, Any], sandbox: Sandbox
) -> None:
    """The newcomer pane has never used the bot: /start is a registration, not "welcome back"."""
    await _say(client, sandbox, "newcomer", "/start")
    await _press(client, sandbox, "newcomer", "English")
    await _say(client, sandbox, "newcomer", "Li Na")
    keyboard = (await _pane(client, "newcomer"))["keyboard"]
    [contact] = [b for row in keyboard for b in row if b["request_contact"]]
    response = await client.post("/sandbox/api/panes/newcomer/tap", json=contact)
    assert response.status == 200
    await sandbox.settle()
    messages = (await _pane(client, "newcomer"))["messages"]
    shared = [m for m in messages if m["kind"] == "contact"]
    assert [m["contact"]["phone_number"] for m in shared] == [NEWCOMER.phone]
    assert messages[-1]["from"] == "bot" and "company" in messages[-1]["text"]
    assert (await _pane(client, "newcomer"))["keyboard"] == []
    done = await _say(client, sandbox, "newcomer", "Pudong Cold Chain")
    assert "You are registered, Li Na" in done["text"]


async def test_bad_requests_are_answered_clearly(
    client: TestClient[Any, Any], sandbox: Sandbox
) -> None:
    async def error(response: Any, status: int) -> str:
        assert response.status == status
        body = await response.json()
        assert body["ok"] is False
        return str(body["error"])

    assert "Type a message" in await error(
        await client.post("/sandbox/api/panes/customer/text", json={"text": "  "}), 400
    )
    assert "too long" in await error(
        await client.post("/sandbox/api/panes/customer/text", json={"text": "x" * 4097}), 400
    )
    assert "no such chat" in await error(
        await client.post("/sandbox/api/panes/nobody/text", json={"text": "hi"}), 404
    )
    assert "did not understand" in await error(
        await client.post("/sandbox/api/panes/customer/text", data=b"not json"), 400
    )
    gone = {"message_id": 99, "row": 0, "column": 0}
    assert "no longer there" in await error(
        await client.post("/sandbox/api/panes/customer/press", json=gone), 409
    )
    far = {"latitude": 95, "longitude": 0}
    assert "latitude" in await error(
        await client.post("/sandbox/api/panes/customer/location", json=far), 400
    )
    for body in ({"hours": -1}, {"days": 40}, {"hours": "soon"}, {}):
        assert "forward only" in await error(
            await client.post("/sandbox/api/clock", json=body), 400
        )
    assert "not part of this build" in await error(await client.get("/sandbox/dashboard"), 404)
    assert sandbox.server.updates.last_id == 0


async def test_the_clock_control_moves_time_and_fires_what_is_due(
    client: TestClient[Any, Any], sandbox: Sandbox, clock: ManualClock
) -> None:
    start = clock.now()
    await _say(client, sandbox, "customer", "/report")
    await _press(client, sandbox, "customer", "AC-2025-0001")
    await _say(client, sandbox, "customer", "Not cooling")
    await _press(client, sandbox, "customer", "Continue")
    await _say(client, sandbox, "customer", "88 Century Ave, Pudong")
    await _press(client, sandbox, "customer", "Tomorrow")
    await _press(client, sandbox, "customer", "Confirm")
    before = len((await _pane(client, "dispatcher"))["messages"])
    response = await client.post("/sandbox/api/clock", json={"hours": 19})
    assert response.status == 200
    assert (await response.json())["clock"]["local"] == "2026-11-24 04:00"
    assert clock.now() == start + timedelta(hours=19)
    after = (await _pane(client, "dispatcher"))["messages"]
    assert len(after) > before
    assert "SR-20261123-0001" in after[-1]["text"]


async def test_wait_answers_when_something_changes(
    client: TestClient[Any, Any], sandbox: Sandbox
) -> None:
    version = (await (await client.get("/sandbox/api/state")).json())["version"]
    await _say(client, sandbox, "technician", "/help")
    answer = await (await client.get(f"/sandbox/api/wait?version={version}")).json()
    assert answer["changed"] is True and answer["version"] != version


async def test_page_speaks_the_demo_language(sandbox: Sandbox) -> None:
    client = await _client(sandbox, language="zh_CN")
    try:
        html = await (await client.get("/sandbox")).text()
        assert "沙盒 — 未连接 Telegram" in html and 'lang="zh-CN"' in html
        response = await client.post("/sandbox/api/panes/customer/text", json={"text": ""})
        assert (await response.json())["error"] == "请先输入消息。"
    finally:
        await client.close()


async def test_the_answer_to_a_pressed_button_shows_in_the_pane(
    client: TestClient[Any, Any], sandbox: Sandbox
) -> None:
    # Telegram shows it as a popup over the chat; without it a press that is refused looks
    # like a press that did nothing.
    await _say(client, sandbox, "customer", "/report")
    await _press(client, sandbox, "customer", "AC-2025-0001")
    await _say(client, sandbox, "customer", "Not cooling")
    await _press(client, sandbox, "customer", "Continue")
    await _say(client, sandbox, "customer", "88 Century Ave, Pudong")
    await _press(client, sandbox, "customer", "Tomorrow")
    await _press(client, sandbox, "customer", "Confirm")
    card = (await _pane(client, "dispatcher"))["messages"][-1]
    assert card["buttons"][0][0]["text"] == "Assign"
    await _press(client, sandbox, "dispatcher", "Assign")
    await _press(client, sandbox, "dispatcher", "Zhang Lei")
    assert (await _pane(client, "dispatcher"))["notices"] == []
    version = (await (await client.get("/sandbox/api/state")).json())["version"]

    body = {"message_id": card["id"], "row": 0, "column": 0}
    response = await client.post("/sandbox/api/panes/dispatcher/press", json=body)
    assert response.status == 200
    await sandbox.settle()
    assert (await _pane(client, "dispatcher"))["notices"] == [
        {"text": "SR-20261123-0001 is no longer waiting for assignment.", "alert": True}
    ]
    assert (await _pane(client, "customer"))["notices"] == []
    answer = await (await client.get(f"/sandbox/api/wait?version={version}")).json()
    assert answer["changed"] is True
    html = await (await client.get("/sandbox")).text()
    assert 'data-testid="notice-dispatcher"' in html
