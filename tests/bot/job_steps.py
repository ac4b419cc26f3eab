"""What the desk and a technician do to a case in the chat: assign, check in, quote, report."""

from __future__ import annotations

from sandbox.users import SandboxUser
from tests.bot.customer_steps import press, say
from tests.harness import Harness


async def assign_to(harness: Harness, desk: SandboxUser, name: str) -> None:
    """The dispatcher presses Assign on the newest notice and picks a technician."""
    await press(harness, desk, "Assign")
    if not any(name in b.text for row in desk.last().buttons() for b in row):
        await press(harness, desk, "Other…")
    await press(harness, desk, name)


async def check_in(harness: Harness, tech: SandboxUser, lat: float = 31.2304,
                   lon: float = 121.4737) -> str:  # fmt: skip
    """The technician opens /jobs, presses Check in and shares a location."""
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Check in")
    tech.send_location(lat, lon)
    await harness.settle()
    return "\n".join(tech.texts()[-2:])


async def file_report(
    harness: Harness,
    tech: SandboxUser,
    *,
    fixed: bool = True,
    parts: tuple[str, ...] = (),
    cause: str = "Wear",
    supplier: str | None = None,
    major: bool = False,
    followup: str = "2026-11-26 10:00",
) -> str:
    """The technician walks through the service report from /jobs; returns the last answer."""
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Report")
    await say(harness, tech, "Replaced the start relay and tested.")
    for part in parts:
        await say(harness, tech, part)
    await press(harness, tech, "No more parts")
    await say(harness, tech, "1.5")
    await say(harness, tech, "20")
    await press(harness, tech, cause)
    if supplier is not None:
        await say(harness, tech, supplier)
    await press(harness, tech, "Yes" if major else "No")
    await press(harness, tech, "Yes" if fixed else "No")
    if not fixed:
        await say(harness, tech, followup)
    return await press(harness, tech, "Submit")


async def send_quote(harness: Harness, tech: SandboxUser) -> None:
    """The technician quotes from /jobs: 2 relays at 35.50, labour 100, travel 20 (191.00)."""
    await say(harness, tech, "/jobs")
    await press(harness, tech, "Quote")
    await say(harness, tech, "Relay, 2, 35.50")
    await press(harness, tech, "No more parts")
    await say(harness, tech, "100")
    await say(harness, tech, "20")
    await press(harness, tech, "Send to customer")
