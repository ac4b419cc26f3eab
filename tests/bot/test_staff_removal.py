"""Staff can be removed: in chat (/staff), by the CLI; the admin role follows the settings."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from aftersales.commands import staff as staff_cli
from storage.models import Staff, StaffAudit
from storage.repos import people
from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import (
    ADMIN,
    DISPATCHER,
    TECH_A,
    assign_to,
    customer_with_case,
    harness,
    only_case,
    staff_team,
)
from tests.harness import Harness

__all__ = ["harness"]


async def _audit(harness: Harness) -> list[tuple[str, str, str, int]]:
    """The audit log as (actor, action, role, subject's Telegram id), oldest first."""
    async with harness.session() as session:
        rows = await session.execute(
            select(StaffAudit, Staff)
            .join(Staff, Staff.id == StaffAudit.subject_id)
            .order_by(StaffAudit.id)
        )
        return [(a.actor, a.action, a.role, s.telegram_id) for a, s in rows]


async def _staff(harness: Harness, telegram_id: int) -> Staff | None:
    async with harness.session() as session:
        return await people.get_staff(session, telegram_id=telegram_id)


async def test_admin_removes_a_technician_in_chat(harness: Harness) -> None:
    desk, tech_a, tech_b = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    job = await only_case(harness)
    admin = harness.user(ADMIN, "Boss")

    listing = await say(harness, admin, "/staff")
    assert "Tech An" in listing and "Desk Zhou" in listing
    assert "Remove Boss" not in admin.last().button_texts()  # no button to remove oneself
    confirm = await press(harness, admin, "Remove Tech An")
    assert "Remove Tech An (technician) from the staff?" in confirm
    assert "Nothing was changed" in await press(harness, admin, "Keep")
    assert await _staff(harness, TECH_A) is not None

    # Someone else's forged confirmation is refused.
    forged = tech_b.press_data(f"stf:ok:{job.technician_id}", 1)
    await harness.settle()
    assert "not available" in (harness.server.callback_answer(forged) or {}).get("text", "")
    assert await _staff(harness, TECH_A) is not None

    await say(harness, admin, "/staff")
    await press(harness, admin, "Remove Tech An")
    assert "Tech An no longer holds: technician" in await press(
        harness, admin, "Remove from staff"
    )
    assert await _staff(harness, TECH_A) is None
    case = await only_case(harness)
    assert case.status == "new" and case.technician_id is None
    assert (
        f"Tech An is no longer on the staff: {case.number} is back in the queue"
        in (desk.texts()[-1])
    )
    # Refused from the next update: commands and the buttons already on their phone.
    assert "not available to you" in await say(harness, tech_a, "/jobs")
    stale = tech_a.press_data(f"tj:in:{case.id}", tech_a.last().message_id)
    await harness.settle()
    assert "not available" in (harness.server.callback_answer(stale) or {}).get("text", "")
    assert "/login/" not in await say(harness, tech_a, "/dashboard")
    assert ("staff:9000", "remove", "technician", TECH_A) in await _audit(harness)


async def test_cli_removes_staff_and_single_roles(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    settings = harness.settings()

    def remove(telegram_id: int, role: str | None = None) -> argparse.Namespace:
        return argparse.Namespace(telegram_id=telegram_id, role=role)

    assert (
        await staff_cli.remove_staff(harness.sessions, settings, remove(TECH_A), harness.clock)
        == 0
    )
    await harness.tick()  # the running bot's sender delivers what the CLI queued
    case = await only_case(harness)
    assert case.status == "new" and "back in the queue" in desk.texts()[-1]
    assert await _staff(harness, TECH_A) is None
    assert await staff_cli.remove_staff(harness.sessions, settings, remove(TECH_A)) == 2

    add = argparse.Namespace(
        telegram_id=DISPATCHER, name="Desk Zhou", phone=None, roles="supervisor", regions=None,
        skills=None, max_open_jobs=5, language="en",
    )  # fmt: skip
    assert await staff_cli.add_staff(harness.sessions, settings, add) == 0
    assert (
        await staff_cli.remove_staff(harness.sessions, settings, remove(DISPATCHER, "admin")) == 2
    )
    done = await staff_cli.remove_staff(
        harness.sessions, settings, remove(DISPATCHER, "supervisor")
    )
    assert done == 0
    member = await _staff(harness, DISPATCHER)
    assert member is not None and member.role_set == {"dispatcher"}
    # An admin of the settings is removed there, not here.
    assert await staff_cli.remove_staff(harness.sessions, settings, remove(ADMIN)) == 2
    audit = await _audit(harness)
    assert ("cli", "remove", "technician", TECH_A) in audit
    assert ("cli", "grant", "supervisor", DISPATCHER) in audit
    assert ("cli", "remove", "supervisor", DISPATCHER) in audit
    assert "Desk Zhou" in await staff_cli.list_staff(harness.sessions)


async def test_admin_role_follows_the_settings_at_every_start(harness: Harness) -> None:
    admin = harness.user(ADMIN, "Boss")
    await say(harness, admin, "/invite admin")  # the settings' admin invites a second admin
    link = admin.texts()[-1].split("send the bot: ")[-1].strip()
    second = harness.user(9001, "Second")
    assert "registered as admin" in await say(harness, second, link)

    harness.overrides["admin_ids"] = []
    await harness.restart()
    assert "not available to you" in await say(harness, admin, "/staff")
    member = await _staff(harness, ADMIN)
    assert member is None or "admin" not in member.role_set
    assert "Staff" in await say(harness, second, "/staff")  # granted by a person: kept
    audit = await _audit(harness)
    assert ("settings", "grant", "admin", ADMIN) in audit
    assert ("settings", "remove", "admin", ADMIN) in audit
    assert ("invite", "grant", "admin", 9001) in audit

    harness.overrides["admin_ids"] = [ADMIN]
    await harness.restart()
    assert "Staff" in await say(harness, admin, "/staff")
