"""Steps a customer takes, shared by the customer-side tests."""

from __future__ import annotations

from sandbox.users import SandboxUser
from tests.harness import Harness


async def register(
    harness: Harness,
    user_id: int,
    *,
    chinese: bool = False,
    name: str = "Wang Wei",
    phone: str = "+8613800138000",
    company: str | None = None,
) -> SandboxUser:
    """Registers a customer through /start (company skipped unless given); returns the user."""
    user = harness.user(user_id, language_code="zh" if chinese else "en")
    user.send_text("/start")
    await harness.settle()
    user.press("简体中文" if chinese else "English")
    await harness.settle()
    user.send_text(name)
    await harness.settle()
    user.send_contact(phone)
    await harness.settle()
    if company is None:
        user.press("跳过" if chinese else "Skip")
    else:
        user.send_text(company)
    await harness.settle()
    return user


async def say(harness: Harness, user: SandboxUser, text: str) -> str:
    """Sends a text and returns the bot's last answer."""
    user.send_text(text)
    await harness.settle()
    return user.texts()[-1]


async def press(harness: Harness, user: SandboxUser, label: str) -> str:
    """Presses a button and returns the bot's last message text."""
    user.press(label)
    await harness.settle()
    return user.texts()[-1]


async def fill_report(
    harness: Harness,
    user: SandboxUser,
    *,
    serial: str = "SN-1001",
    description: str = "Compressor makes a loud noise, error E4",
    address: str = "88 Century Ave, Pudong, Shanghai",
) -> str:
    """Runs /report up to the deadline question (product by button or typed serial)."""
    await start_report(harness, user, serial=serial, description=description)
    return await say(harness, user, address)


async def start_report(
    harness: Harness, user: SandboxUser, *, serial: str, description: str
) -> None:
    """Runs /report up to the address question (product by button or typed serial)."""
    await say(harness, user, "/report")
    if "Which product" in user.texts()[-1]:
        await press(harness, user, serial)
    else:
        await say(harness, user, serial)
    await say(harness, user, description)
    await press(harness, user, "Continue")


async def report_fault(
    harness: Harness,
    user: SandboxUser,
    *,
    serial: str = "SN-1001",
    description: str = "Compressor makes a loud noise, error E4",
    address: str = "88 Century Ave, Pudong, Shanghai",
    deadline_button: str = "Tomorrow by 18:00",
) -> str:
    """Reports a fault for a product typed by serial (first product); returns the answer."""
    await fill_report(harness, user, serial=serial, description=description, address=address)
    await press(harness, user, deadline_button)
    return await press(harness, user, "Confirm")


async def report_at(
    harness: Harness, user: SandboxUser, point: tuple[float, float], *, serial: str = "SN-1001"
) -> str:
    """Reports a fault and shares the site's location instead of typing an address."""
    await start_report(harness, user, serial=serial, description="Leaking water")
    user.send_location(*point)
    await harness.settle()
    await press(harness, user, "Skip")
    await press(harness, user, "Tomorrow by 18:00")
    return await press(harness, user, "Confirm")
