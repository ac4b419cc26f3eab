"""An answered prompt keeps its question and shows the answer, and keeps no buttons."""

from __future__ import annotations

from sandbox.users import SandboxUser
from tests.bot.customer_steps import press, register, say
from tests.factories import make_product
from tests.harness import Harness


def _answered(user: SandboxUser, prompt: str) -> str:
    """The text of the one message that began with the prompt, after it must have no buttons."""
    [message] = [m for m in user.inbox() if m.text and prompt in m.text]
    assert message.buttons() == [], message.text
    return message.text or ""


async def test_registration_prompts_show_the_chosen_language_and_skip(harness: Harness) -> None:
    user = await register(harness, 2101)
    assert _answered(user, "choose your language").endswith("\n\n✓ English")
    assert _answered(user, "company").endswith("\n\n✓ Skip")
    chinese = await register(harness, 2102, chinese=True, name="李娜")
    assert _answered(chinese, "单位名称").endswith("\n\n✓ 跳过")


async def test_fault_report_prompts_keep_each_answer_and_lose_their_buttons(
    harness: Harness,
) -> None:
    async with harness.session() as session, session.begin():
        await make_product(
            session, serial="SN-1001", model="CoolPro 3500", now=harness.clock.now()
        )
    user = await register(harness, 2103)
    await say(harness, user, "/report")
    await say(harness, user, "SN-1001")
    await say(harness, user, "/report")
    await press(harness, user, "CoolPro 3500 · SN-1001")
    assert _answered(user, "Which product").endswith("\n\n✓ CoolPro 3500 · SN-1001")
    await say(harness, user, "Display flickers")
    await press(harness, user, "Continue")
    assert _answered(user, "or press Continue").endswith("\n\n✓ Continue")
    await say(harness, user, "1 Main St")
    assert "Is everything right?" in await press(harness, user, "Tomorrow by 18:00")
    assert _answered(user, "By when").endswith("\n\n✓ Tomorrow by 18:00")
    with_buttons = [m.text for m in user.inbox() if m.buttons()]
    assert len(with_buttons) == 1 and "Is everything right?" in (with_buttons[0] or "")


async def test_prompts_answered_by_typing_keep_no_buttons(harness: Harness) -> None:
    user = harness.user(2104)
    for step in ("/start", "English", "Zhou Min", "+8613800138001", "Acme Ltd"):
        if step == "English":
            user.press(step)
        elif step.startswith("+"):
            user.send_contact(step)
        else:
            user.send_text(step)
        await harness.settle()
    assert "registered" in user.texts()[-1]
    await say(harness, user, "/report")
    await say(harness, user, "ZX-77")
    await say(harness, user, "Chiller C-2")
    await say(harness, user, "2025-06-01")  # typed, not skipped
    user.send_photo(b"one", caption="Leaking water")
    await harness.settle()
    user.send_photo(b"two")
    await harness.settle()
    await press(harness, user, "Continue")
    await say(harness, user, "1 Main St")
    assert "Is everything right?" in await say(harness, user, "2026-11-24 14:00")
    with_buttons = [m.text for m in user.inbox() if m.buttons()]
    assert len(with_buttons) == 1 and "Is everything right?" in (with_buttons[0] or ""), (
        with_buttons
    )
