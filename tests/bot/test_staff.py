"""Staff membership and role checks: invites, admins from the settings, forged buttons."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

from sqlalchemy import func, select

from aftersales.commands import staff as staff_cli
from storage.models import Assignment, CaseEvent, Staff, StaffInvite
from storage.repos import people
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    ADMIN,
    assign_to,
    customer_with_case,
    harness,
    only_case,
    staff_team,
)
from tests.factories import make_staff
from tests.harness import Harness

__all__ = ["harness"]


async def _staff(harness: Harness, telegram_id: int) -> Staff | None:
    async with harness.session() as session:
        return await people.get_staff(session, telegram_id=telegram_id)


async def test_admin_from_settings_invites_a_technician_who_joins(harness: Harness) -> None:
    admin = harness.user(ADMIN, "Boss")
    await say(harness, admin, "/invite")
    link = await press(harness, admin, "technician")
    match = re.search(r"/start (join-[\w-]+)", link)
    assert match is not None and "https://t.me/" in link and "7 days" in link
    admin_row = await _staff(harness, ADMIN)
    assert admin_row is not None and "admin" in admin_row.role_set

    newcomer = harness.user(6100, "Lin")
    answer = await say(harness, newcomer, f"/start {match.group(1)}")
    assert "You are now registered as technician" in newcomer.texts()[-2]
    assert "share your phone number" in answer
    member = await _staff(harness, 6100)
    assert member is not None and member.role_set == {"technician"} and member.name == "Lin"

    other = harness.user(6101, "Mo")
    assert "already used or expired" in await say(harness, other, f"/start {match.group(1)}")
    assert await _staff(harness, 6101) is None


async def test_expired_invite_is_refused(harness: Harness) -> None:
    admin = harness.user(ADMIN, "Boss")
    link = await say(harness, admin, "/invite dispatcher")
    token = re.search(r"/start (join-[\w-]+)", link)
    assert token is not None
    harness.advance(timedelta(days=7, minutes=1))
    user = harness.user(6102, "Qi")
    assert "expired" in await say(harness, user, f"/start {token.group(1)}")
    assert await _staff(harness, 6102) is None


async def test_wrong_roles_are_refused(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)  # joined by invite: three redeemed
    customer = await register(harness, 7100)
    for command in ("/queue", "/invite", "/jobs", "/reply SR-20261123-0001 hi", "/quote X"):
        assert "not available to you" in await say(harness, customer, command)
    assert "not available to you" in await say(harness, tech_a, "/queue")
    assert "not available to you" in await say(harness, tech_a, "/invite")
    assert "not available to you" in await say(harness, desk, "/jobs")
    async with harness.session() as session:
        invites = await session.scalar(
            select(func.count()).select_from(StaffInvite).where(StaffInvite.used_at.is_(None))
        )
    assert invites == 0  # the refused /invite created none


async def test_forged_staff_buttons_change_nothing(harness: Harness) -> None:
    desk, _, tech_b = await staff_team(harness)
    customer = await customer_with_case(harness)
    case = await only_case(harness)
    last = customer.last().message_id
    presses = [
        customer.press_data(data, last)
        for data in (f"as:{case.id}", f"asg:{case.id}:2", "tk:a:1", f"tj:in:{case.id}")
    ]
    await harness.settle()
    assert (await only_case(harness)).status == "new"

    await assign_to(harness, desk, "Tech An")
    async with harness.session() as session:
        assignment = await session.scalar(select(Assignment))
    assert assignment is not None
    for data in (f"tk:a:{assignment.id}", f"tk:d:{assignment.id}"):
        presses.append(customer.press_data(data, last))
        presses.append(tech_b.press_data(data, 1))
    presses.append(tech_b.press_data(f"tj:rep:{case.id}", 1))
    presses.append(customer.press_data(f"qt:ok:{assignment.id}", last))
    await harness.settle()
    for update_id in presses:
        answered = harness.server.callback_answer(update_id)
        assert answered is not None and answered.get("text"), update_id
        assert "not available to you" in answered["text"]
    case = await only_case(harness)
    assert case.status == "assigned" and case.technician_id == assignment.technician_id
    async with harness.session() as session:
        actions = list(await session.scalars(select(CaseEvent.action).order_by(CaseEvent.id)))
    assert actions == ["create", "assign"]


async def test_cli_adds_lists_and_invites(harness: Harness) -> None:
    args = argparse.Namespace(
        telegram_id=6200, name="Wu Gang", phone="13800138123", roles="technician,dispatcher",
        regions="Pudong, Minhang", skills="hvac", max_open_jobs=3, language="en",
    )  # fmt: skip
    assert await staff_cli.add_staff(harness.sessions, harness.settings(), args) == 0
    member = await _staff(harness, 6200)
    assert member is not None and member.role_set == {"technician", "dispatcher"}
    assert member.region_list == ["Pudong", "Minhang"] and member.max_open_jobs == 3
    assert member.phone == "+8613800138123"
    listing = await staff_cli.list_staff(harness.sessions)
    assert "Wu Gang" in listing and "0/3" in listing
    bad = argparse.Namespace(**{**vars(args), "roles": "boss"})
    assert await staff_cli.add_staff(harness.sessions, harness.settings(), bad) == 2
    text = await staff_cli.create_invite(
        harness.sessions, role="supervisor", bot_username="svc_bot"
    )
    token = re.search(r"start=(join-[\w-]+)", text)
    assert token is not None and f"/start {token.group(1)}" in text
    user = harness.user(6201, "Ye")
    assert "registered as supervisor" in await say(harness, user, f"/start {token.group(1)}")


async def test_help_lists_a_staff_members_own_commands_in_their_language(
    harness: Harness,
) -> None:
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=5101, roles=["technician"], now=harness.clock.now())
        await make_staff(
            session,
            telegram_id=5102,
            roles=["dispatcher", "supervisor"],
            now=harness.clock.now(),
            language="zh_CN",
        )
    technician = harness.user(5101)
    technician.send_text("/help")
    await harness.settle()
    shown = technician.texts()[-1]
    assert shown.startswith("What you can do here as technician:")
    assert "/jobs" in shown and "/dashboard" in shown
    assert "/queue" not in shown and "/outbox" not in shown and "/report" not in shown
    desk = harness.user(5102, language_code="zh")
    desk.send_text("/help")
    await harness.settle()
    shown = desk.texts()[-1]
    assert shown.startswith("您作为服务台, 主管可以使用：")
    assert "/queue" in shown and "/complaints" in shown and "/jobs" not in shown
