"""The desk acts from the case page: writes to the customer, notes, a new on-site deadline; every
action checks CSRF and role and leaves nothing behind on bad input (issue #18 §3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage.models import CaseEvent, OutboxMessage
from tests.bot.customer_steps import press, say
from tests.bot.dispatch_steps import (
    DISPATCHER,
    TECH_A,
    accepted_job,
    customer_with_case,
    only_case,
    staff_team,
)
from tests.harness import Harness
from tests.web.case_action_steps import act, case_row, deliver, event_actions, timeline
from tests.web.conftest import Client, add_staff, log_in


async def test_desk_message_reaches_the_chat_and_stops_the_response_clock(
    harness: Harness, client: Client
) -> None:
    desk, _, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    case = await only_case(harness)
    csrf = await log_in(harness, client, DISPATCHER)

    page = await (await client.get(f"/cases/{case.id}")).text()
    assert 'id="form-message"' in page and 'id="form-note"' in page
    status, notice = await act(
        harness, client, case.id, "message", csrf=csrf, text="We will call you at 10:00 today."
    )
    assert (status, notice) == (200, "The message is on its way to the customer's chat.")
    assert customer.texts()[-1] == (
        f"💬 Message from the service desk about {case.number}:\nWe will call you at 10:00 today."
    )
    stored = await case_row(harness, case.id)
    assert stored.responded_at == harness.clock.now()
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert "Message from the service desk · Desk Zhou We will call you at 10:00 today." in (
        timeline(page)
    )

    # Neither the 18 h reminder nor the 24 h escalation comes: a person answered.
    seen = len(desk.texts())
    for hours in (19, 6):
        harness.advance(timedelta(hours=hours))
        await harness.tick()
    assert not [t for t in desk.texts()[seen:] if "no response" in t or "not answered" in t]


async def test_internal_note_stays_on_the_staff_timeline(harness: Harness, client: Client) -> None:
    await staff_team(harness)
    customer = await customer_with_case(harness)
    case = await only_case(harness)
    csrf = await log_in(harness, client, DISPATCHER)
    received = len(customer.texts())

    _, notice = await act(
        harness, client, case.id, "note", csrf=csrf, text="Customer prefers mornings; gate code 42"
    )
    assert notice == "The note is added to the timeline."
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert "Note · Desk Zhou Customer prefers mornings; gate code 42" in timeline(page)
    assert len(customer.texts()) == received  # nothing went to the customer
    await say(harness, customer, "/cases")
    listing = await press(harness, customer, case.number)
    assert "gate code" not in listing and "Note" not in listing
    assert (await case_row(harness, case.id)).responded_at is None  # a note is no response


async def test_csrf_missing_or_a_technician_is_refused_and_nothing_changes(
    harness: Harness, client: Client
) -> None:
    await staff_team(harness)
    customer = await customer_with_case(harness)
    case = await only_case(harness)
    before = await event_actions(harness, case.id)
    received = len(customer.texts())

    await log_in(harness, client, DISPATCHER)
    status, page = await act(harness, client, case.id, "message", text="hello")
    assert status == 403 and "This form has expired" in page
    status, page = await act(harness, client, case.id, "cancel", csrf="forged", reason="x")
    assert status == 403

    tech_csrf = await log_in(harness, client, TECH_A)
    for action, fields in (
        ("message", {"text": "hello"}),
        ("note", {"text": "hello"}),
        ("cancel", {"reason": "no"}),
        ("deadline", {"deadline": "2026-11-25T10:00"}),
        ("warranty", {"result": "in_warranty", "warranty_end": "2027-01-01"}),
    ):
        status, page = await act(harness, client, case.id, action, csrf=tech_csrf, **fields)
        assert status == 403 and "not available to your role" in page, action

    await deliver(harness)
    assert await event_actions(harness, case.id) == before
    assert len(customer.texts()) == received
    assert (await case_row(harness, case.id)).status == "new"


async def test_bad_input_gives_a_message_and_saves_nothing(
    harness: Harness, client: Client
) -> None:
    await staff_team(harness)
    await customer_with_case(harness)
    case = await only_case(harness)
    csrf = await log_in(harness, client, DISPATCHER)
    before = await event_actions(harness, case.id)
    due = (await case_row(harness, case.id)).onsite_due_at
    async with harness.session() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxMessage))

    checks = [
        ("deadline", {"deadline": "next week"}, "Please enter the new deadline as a date"),
        ("deadline", {"deadline": "2026-11-20T10:00"}, "at least an hour from now"),
        ("deadline", {"deadline": "2027-06-01T10:00"}, "too far ahead"),
        ("cancel", {"reason": "   "}, "Please give a reason."),
        ("message", {"text": ""}, "Please write something first."),
        ("note", {"text": "x" * 2001}, "at most 2000 characters"),
        ("close", {}, "Only a case whose work is done"),
        ("reopen", {"reason": "why not"}, "Only a closed case can be reopened"),
    ]
    for action, fields, expected in checks:
        status, notice = await act(harness, client, case.id, action, csrf=csrf, **fields)
        assert status == 200 and expected in notice, (action, notice)
        assert "Nothing" in notice or action in ("close", "reopen")

    assert await event_actions(harness, case.id) == before
    stored = await case_row(harness, case.id)
    assert (stored.onsite_due_at, stored.status) == (due, "new")
    async with harness.session() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == queued


async def test_new_deadline_tells_the_customer_and_moves_the_technician_pings(
    harness: Harness, client: Client
) -> None:
    customer, tech = await accepted_job(harness)
    case = await only_case(harness)
    old_due = case.onsite_due_at
    assert old_due is not None
    csrf = await log_in(harness, client, DISPATCHER)

    page = await (await client.get(f"/cases/{case.id}")).text()
    assert 'value="2026-11-24T18:00"' in page  # the current deadline, in Shanghai time
    _, notice = await act(
        harness, client, case.id, "deadline", csrf=csrf, deadline="2026-11-25T10:00:00"
    )
    assert notice == "The on-site deadline is changed; the customer has been told."
    assert customer.texts()[-1] == (
        f"🕒 The technician's visit for {case.number} is now planned by 2026-11-25 10:00."
    )
    assert tech.texts()[-1] == f"🕒 New on-site deadline for {case.number}: 2026-11-25 10:00."
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert "On-site deadline changed · Desk Zhou new deadline 2026-11-25 10:00" in timeline(page)

    # The old deadline's pings (Tue 16:00 and 17:30) and breach (18:00) stay silent.
    seen = len(tech.texts())
    harness.advance(old_due - harness.clock.now() + timedelta(minutes=1))
    await harness.tick()
    assert tech.texts()[seen:] == []
    assert not [t for t in customer.texts() if "sorry" in t.lower()]
    # The new one's first ping comes two hours before Wed 10:00.
    harness.advance(timedelta(hours=13, minutes=59))  # Wed 08:00 Shanghai
    await harness.tick()
    [ping] = tech.texts()[seen:]
    assert ping.startswith(
        f"⏰ Case {case.number}: the customer expects you on site by 2026-11-25 10:00 "
        "(120 min left)"
    )


async def test_case_page_and_its_actions_in_chinese(harness: Harness, client: Client) -> None:
    await staff_team(harness)
    await customer_with_case(harness)
    case = await only_case(harness)
    await add_staff(harness, 5002, ["supervisor"], name="主管 王")
    csrf = await log_in(harness, client, 5002)
    await client.get("/lang/zh_CN?next=/")
    _, notice = await act(harness, client, case.id, "note", csrf=csrf, text="已电话联系客户")
    assert notice == "备注已添加到时间线。"
    _, notice = await act(harness, client, case.id, "deadline", csrf=csrf, deadline="昨天")
    assert notice == "请输入新时限的日期和时间。未做任何修改。"
    _, notice = await act(
        harness, client, case.id, "deadline", csrf=csrf, deadline="2026-11-26 09:30"
    )
    assert notice == "到场时限已修改；已通知客户。"
    page = await (await client.get(f"/cases/{case.id}")).text()
    for text in ("给客户留言", "内部备注", "到场时限", "取消工单"):
        assert text in page, text
    line = timeline(page)
    assert "服务请求已登记 → 新登记 · Wang Wei" in line
    assert "备注 · 主管 王 已电话联系客户" in line
    assert "到场时限已修改 · 主管 王 新时限 2026-11-26 09:30" in line
    for raw in ("onsite_deadline", "note ", "create", "desk", "supervisor", "new deadline"):
        assert raw not in line, raw
    async with harness.session() as session:
        actors = list(await session.scalars(select(CaseEvent.actor).order_by(CaseEvent.id)))
    assert actors[-2:] == ["supervisor", "supervisor"]


async def test_a_deadline_moved_away_and_back_pings_again(
    harness: Harness, client: Client
) -> None:
    _, tech = await accepted_job(harness)
    case = await only_case(harness)
    csrf = await log_in(harness, client, DISPATCHER)
    for moment in ("2026-11-25T10:00", "2026-11-24T18:00"):  # away, then back to Tue 18:00
        _, notice = await act(harness, client, case.id, "deadline", csrf=csrf, deadline=moment)
        assert notice.startswith("The on-site deadline is changed"), notice
    seen = len(tech.texts())
    harness.advance(timedelta(hours=31))  # Tue 16:00 Shanghai: two hours before
    await harness.tick()
    [ping] = tech.texts()[seen:]
    assert "on site by 2026-11-24 18:00 (120 min left)" in ping
