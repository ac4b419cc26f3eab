"""The desk's side: decline and reassign, the accept window, the queue, /reply, cancellations."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from storage.models import Assignment, CaseEvent, OutboxMessage
from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import (
    assign_to,
    customer_with_case,
    harness,
    only_case,
    staff_team,
    timeline,
)
from tests.harness import Harness

__all__ = ["harness"]


async def test_decline_returns_the_case_and_the_desk_reassigns(harness: Harness) -> None:
    desk, tech_a, tech_b = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Decline")
    assert "Why do you decline" in tech_a.texts()[-1]
    await say(harness, tech_a, "Van broke down")
    assert "You declined" in tech_a.texts()[-1]
    assert "Tech An declined SR-20261123-0001: Van broke down" in desk.texts()[-1]
    case = await only_case(harness)
    assert case.status == "new" and case.technician_id is None

    await assign_to(harness, desk, "Tech Bo")  # the Assign button of the decline notice
    await press(harness, tech_b, "Accept")
    case = await only_case(harness)
    assert case.status == "accepted"
    assert await timeline(harness, case.id) == ["create", "assign", "decline", "assign", "accept"]
    async with harness.session() as session:
        decline = await session.scalar(select(CaseEvent).where(CaseEvent.action == "decline"))
        stints = list(await session.scalars(select(Assignment).order_by(Assignment.id)))
    assert decline is not None and decline.note == "Van broke down"
    assert [s.end_reason for s in stints] == ["Van broke down", None]


async def test_reassign_and_unassign_record_the_reason(harness: Harness) -> None:
    desk, tech_a, tech_b = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await say(harness, desk, "/reassign SR-20261123-0001 Customer asked for a Mandarin speaker")
    assert "Who should take SR-20261123-0001?" in desk.texts()[-1]
    await press(harness, desk, "Tech Bo")
    assert "withdrawn from you: Customer asked for a Mandarin speaker" in tech_a.texts()[-1]
    assert "New job for you" in (tech_b.last().text or "")
    await say(harness, desk, "/unassign SR-20261123-0001 Wrong region")
    assert "back in the queue" in desk.texts()[-1]
    assert "withdrawn from you: Wrong region" in tech_b.texts()[-1]
    case = await only_case(harness)
    assert case.status == "new" and case.technician_id is None
    assert await timeline(harness, case.id) == [
        "create", "assign", "accept", "reassign", "unassign",
    ]  # fmt: skip
    async with harness.session() as session:
        notes = list(
            await session.scalars(
                select(CaseEvent.note).where(CaseEvent.action.in_(["reassign", "unassign"]))
            )
        )
    assert "Mandarin speaker" in (notes[0] or "") and notes[1] == "Wrong region"
    assert "Usage: /unassign" in await say(harness, desk, "/unassign")
    assert "There is no case SR-1" in await say(harness, desk, "/unassign SR-1 why")


async def test_no_answer_reminds_then_returns_the_case_to_the_queue(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    harness.advance(timedelta(minutes=31))
    await harness.tick()
    assert "waiting for your answer" in tech_a.texts()[-1]
    harness.advance(timedelta(minutes=30))
    await harness.tick()
    assert "did not answer SR-20261123-0001 in time" in desk.texts()[-1]
    assert "withdrawn from you" in tech_a.texts()[-1]
    case = await only_case(harness)
    assert case.status == "new"
    assert await timeline(harness, case.id) == ["create", "assign", "accept_timeout"]
    await press(harness, tech_a, "Accept")  # the reminder's button is stale now
    assert any("no longer yours" in t for t in tech_a.texts())
    assert (await only_case(harness)).status == "new"


async def test_queue_lists_new_cases_and_reply_stops_the_response_clock(
    harness: Harness,
) -> None:
    desk, _, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    queue = await say(harness, desk, "/queue")
    assert "SR-20261123-0001" in queue
    assert await say(harness, desk, "/reply SR-20261123-0001 We call you within the hour.")
    assert "We call you within the hour." in customer.texts()[-1]
    case = await only_case(harness)
    assert case.responded_at == harness.clock.now()
    assert await timeline(harness, case.id) == ["create", "message"]
    harness.advance(timedelta(hours=30))
    await harness.tick()
    assert "overdue" not in await say(harness, desk, "/queue")


async def test_customer_cancel_tells_the_technician_and_the_desk(harness: Harness) -> None:
    desk, tech_a, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await say(harness, customer, "/cases")
    await press(harness, customer, "SR-20261123-0001")
    await press(harness, customer, "Cancel")
    await press(harness, customer, "Yes")
    assert "withdrawn from you: the customer cancelled" in tech_a.texts()[-1]
    assert "The customer cancelled SR-20261123-0001" in desk.texts()[-1]
    case = await only_case(harness)
    assert case.status == "cancelled" and case.technician_id is None


async def test_two_technicians_pressing_accept_at_once_one_wins(harness: Harness) -> None:
    desk, tech_a, tech_b = await staff_team(harness)
    await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await say(harness, desk, "/reassign SR-20261123-0001 Closer technician")
    await press(harness, desk, "Tech Bo")
    a_notice = next(m for m in tech_a.inbox() if "New job for you" in (m.text or ""))
    tech_a.press("Accept", message_id=a_notice.message_id)
    tech_b.press("Accept")
    await asyncio.wait_for(harness.settle(), 20)
    case = await only_case(harness)
    assert case.status == "accepted"
    async with harness.session() as session:
        accepts = list(
            await session.scalars(select(CaseEvent).where(CaseEvent.action == "accept"))
        )
        coming = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("coming:%"))
            )
        )
    assert len(accepts) == 1 and accepts[0].actor_id == tech_b.user_id
    assert len(coming) == 1
    assert any("no longer yours" in t for t in tech_a.texts())
