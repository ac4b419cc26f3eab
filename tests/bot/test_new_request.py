"""/new in chat: a dispatcher registers a phone request for a customer not yet on Telegram."""

from __future__ import annotations

from tests.bot.customer_steps import press, register, say
from tests.harness import Harness
from tests.web.conftest import add_staff


async def test_a_dispatcher_registers_a_call_and_the_customer_links_later(
    harness: Harness,
) -> None:
    await add_staff(harness, 9601, ["dispatcher"], name="Desk Zhou")
    desk = harness.user(9601)
    assert "phone number" in await say(harness, desk, "/new")
    assert "valid phone number" in await say(harness, desk, "12")
    assert "What is their name?" in await say(harness, desk, "13900139000")
    assert "company" in await say(harness, desk, "Li Lei")
    assert "serial" in await say(harness, desk, "Lab Ltd")
    assert "What do they need?" in await say(harness, desk, "sn-call-1")
    assert "Describe" in await press(harness, desk, "fault repair")
    assert "address" in await say(harness, desk, "Fridge is warm")
    assert "By when" in await say(harness, desk, "1 Road, Pudong")
    assert "How did the request come in?" in await press(harness, desk, "Tomorrow by 18:00")
    summary = await press(harness, desk, "phone call")
    assert "Channel: phone call" in summary and "SN-CALL-1" in summary
    await press(harness, desk, "Register")
    assert "Registered as SR-20261123-0001." in desk.texts()
    assert any(text.startswith("🆕 New fault repair SR-20261123-0001") for text in desk.texts())

    customer = await register(harness, 9602, name="Li Lei", phone="+8613900139000")
    await say(harness, customer, "/cases")
    waiting = "SR-20261123-0001 · registered, waiting for the desk"
    assert customer.last().button_texts() == [waiting]


async def test_a_customer_may_not_use_new(harness: Harness) -> None:
    customer = await register(harness, 9603)
    assert await say(harness, customer, "/new") == "This is not available to you."
