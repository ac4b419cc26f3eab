"""The on-site clock runs from the customer's choice whatever the case's status (issue #22)."""

from __future__ import annotations

from datetime import timedelta

from domain.metrics import Targets
from sandbox.users import SandboxUser
from storage.repos.standards import service_report
from tests.bot.customer_steps import press, register, report_fault, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    assign_to,
    check_in,
    customer_with_case,
    harness,
    only_case,
    past,
    send_quote,
    staff_team,
    timeline,
)
from tests.factories import make_product, make_staff
from tests.harness import Harness

__all__ = ["harness"]

SUPERVISOR = 5002


async def _supervisor(harness: Harness) -> SandboxUser:
    """A supervisor beside the dispatch team."""
    async with harness.session() as session, session.begin():
        await make_staff(session, telegram_id=SUPERVISOR, roles=["supervisor"],
                         now=harness.clock.now(), name="Sup Chen")  # fmt: skip
    return harness.user(SUPERVISOR, "Chen")


async def _urgent_case(harness: Harness) -> SandboxUser:
    """A customer who reported an urgent fault (on site within 4 hours: 13:00 Shanghai)."""
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-1001", now=harness.clock.now())
    user = await register(harness, CUSTOMER)
    answer = await report_fault(harness, user, deadline_button="Within 4 hours")
    assert "registered as" in answer and "2026-11-23 13:00" in answer
    return user


def _said(user: SandboxUser, fragment: str) -> list[str]:
    return [t for t in user.texts() if fragment in t]


async def test_unassigned_urgent_case_pings_desk_escalates_and_asks_customer(
    harness: Harness,
) -> None:
    desk, _, _ = await staff_team(harness)
    supervisor = await _supervisor(harness)
    customer = await _urgent_case(harness)

    harness.advance(timedelta(hours=2))  # 11:00, two hours before the deadline
    await harness.tick()
    [ping] = _said(desk, "has nobody assigned")
    assert "by 2026-11-23 13:00 (120 min left)" in ping
    harness.advance(timedelta(minutes=90))
    await harness.tick()
    assert len(_said(desk, "has nobody assigned")) == 2
    harness.advance(timedelta(minutes=30))  # 13:00: the deadline passes, nobody was sent
    await harness.tick()
    await harness.tick()  # a second sweep sends nothing twice
    assert len(_said(desk, "was not on site by 2026-11-23 13:00")) == 1
    assert len(_said(supervisor, "was not on site by 2026-11-23 13:00")) == 1
    [apology] = _said(customer, "We are sorry")
    assert "Does a new time suit you?" in apology
    labels = [b.text for row in customer.last().buttons() for b in row]
    assert labels == ["Keep waiting", "Pick a new time", "Cancel the case"]

    choices = await press(harness, customer, "Pick a new time")
    assert "When should the technician be with you" in choices
    labels = [b.text for row in customer.last().buttons() for b in row]
    assert labels == ["Today by 18:00", "Tomorrow by 18:00", "In 2 days by 18:00"]
    answer = await press(harness, customer, "Tomorrow by 18:00")
    assert "on site by 2026-11-24 18:00" in answer
    assert "asked for a new time: on site by 2026-11-24 18:00" in desk.texts()[-1]

    # The new deadline is watched like the first: pings from 16:00 tomorrow, escalation at 18:00.
    harness.advance(timedelta(hours=26, minutes=59))  # 2026-11-24 15:59
    await harness.tick()
    assert len(_said(desk, "has nobody assigned")) == 2
    harness.advance(timedelta(minutes=1))
    await harness.tick()
    assert "by 2026-11-24 18:00 (120 min left)" in _said(desk, "has nobody assigned")[-1]


async def test_a_late_case_assigned_later_pings_its_technician(harness: Harness) -> None:
    desk, tech, _ = await staff_team(harness)
    await _urgent_case(harness)
    await assign_to(harness, desk, "Tech An")  # assigned, not accepted: the clock still runs
    await press(harness, tech, "Decline")
    await say(harness, tech, "Too far")
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    harness.advance(timedelta(hours=2))
    await harness.tick()
    assert "(120 min left)" in tech.texts()[-1]
    assert not _said(desk, "has nobody assigned")


async def test_customer_keeps_waiting_or_cancels_after_a_missed_visit(harness: Harness) -> None:
    desk, _, _ = await staff_team(harness)
    customer = await _urgent_case(harness)
    harness.advance(timedelta(hours=4))
    await harness.tick()
    apology_id = customer.last().message_id
    assert "keep case SR-20261123-0001 open" in await press(harness, customer, "Keep waiting")
    assert (await only_case(harness)).status == "new"

    customer.press_data("late:cancel:999", customer.last().message_id)  # not their case
    await harness.settle()
    assert (await only_case(harness)).status == "new"
    # The apology's buttons stay usable: cancel from the same message.
    customer.press_data(f"late:cancel:{(await only_case(harness)).id}", apology_id)
    await harness.settle()
    assert "SR-20261123-0001 is cancelled" in customer.texts()[-1]
    case = await only_case(harness)
    assert case.status == "cancelled" and case.cancelled_at is not None
    assert "cancelled" in desk.texts()[-1]
    assert (await timeline(harness, case.id))[-1] == "cancel"


async def test_quote_pauses_the_onsite_clock_and_approval_moves_the_deadline(
    harness: Harness,
) -> None:
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))  # by 11-24 18:00
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await send_quote(harness, tech)

    harness.advance(timedelta(hours=40))  # 2026-11-25 01:00: the deadline passed while paused
    await harness.tick()
    assert not _said(customer, "We are sorry")
    assert not _said(tech, "min left")
    await press(harness, customer, "Approve")
    case = await only_case(harness)
    assert case.onsite_paused_seconds == 40 * 3600 and case.quote_pending_since is None
    assert case.onsite_due_at is not None
    assert case.onsite_due_at - case.created_at == timedelta(hours=33 + 40)  # 11-26 10:00

    harness.advance(timedelta(hours=31))  # 2026-11-26 08:00: two hours before the moved one
    await harness.tick()
    assert "2026-11-26 10:00 (120 min left)" in tech.texts()[-1]
    await check_in(harness, tech)
    harness.advance(timedelta(hours=3))
    await harness.tick()
    assert not _said(customer, "We are sorry")
    case = await only_case(harness)
    assert case.arrived_at is not None and case.onsite_due_at is not None
    assert case.arrived_at <= case.onsite_due_at
    # The monthly figure counts on the same paused clock: on time, though 40 h after the choice.
    assert await _onsite_on_time(harness) == 100.0


async def _onsite_on_time(harness: Harness) -> float | None:
    """The month's on-site-on-time figure as the monthly report computes it."""
    case = await only_case(harness)
    start, end = case.created_at - timedelta(days=1), case.created_at + timedelta(days=30)
    async with harness.session() as session:
        report = await service_report(
            session, start=start, end=end, settings_targets=Targets(), as_of=harness.clock.now()
        )
    return report.metric("onsite_on_time_pct").value


async def test_a_quote_declined_before_the_visit_is_not_a_late_visit(harness: Harness) -> None:
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await send_quote(harness, tech)
    harness.advance(timedelta(hours=40))  # past the customer's deadline, still deciding
    assert await _onsite_on_time(harness) is None
    await press(harness, customer, "Decline")
    harness.advance(timedelta(hours=1))
    assert await _onsite_on_time(harness) is None  # nobody was due on site: not a late visit


async def test_a_technician_removed_while_the_customer_decides_withdraws_the_quote(
    harness: Harness,
) -> None:
    """The quote's author is gone: the quote is withdrawn, the customer told, and the paused
    on-site clock runs again — moved by the pause — pinging the desk while nobody holds it."""
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))  # by 11-24 18:00
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await send_quote(harness, tech)
    harness.advance(timedelta(hours=10))

    admin = harness.user(9000, "Boss")
    await say(harness, admin, "/staff")
    await press(harness, admin, "Remove Tech An")
    await press(harness, admin, "Remove from staff")
    await harness.tick()
    case = await only_case(harness)
    assert case.status == "new" and case.quote_pending_since is None
    assert case.onsite_paused_seconds == 10 * 3600
    assert case.onsite_due_at is not None
    assert case.onsite_due_at - case.created_at == timedelta(hours=33 + 10)  # 11-25 04:00
    [told] = _said(customer, "is withdrawn")
    assert case.number in told
    assert "Approve" in " ".join(b for m in customer.inbox() for b in m.button_texts())
    stale = await press(harness, customer, "Approve")  # the old quote's button
    assert (await only_case(harness)).status == "new", stale

    harness.advance(timedelta(hours=30, minutes=59))  # 11-25 01:59 Shanghai
    await harness.tick()
    assert not _said(desk, "120 min left")
    harness.advance(timedelta(minutes=1))  # two hours before the moved deadline
    await harness.tick()
    [ping] = _said(desk, "has nobody assigned")
    assert "by 2026-11-25 04:00 (120 min left)" in ping


async def test_a_quote_approved_within_the_minute_keeps_the_onsite_pings(
    harness: Harness,
) -> None:
    """The customer approves at once: the deadline moves by seconds, within the same minute,
    and the pings the quote paused must come back (their rows have the same keys)."""
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness, warranty_end=past(harness))  # by 11-24 18:00
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech, "Accept")
    await send_quote(harness, tech)
    harness.advance(timedelta(seconds=20))
    await press(harness, customer, "Approve")
    harness.advance(timedelta(hours=31))  # 2026-11-24 16:00: two hours before the deadline
    await harness.tick()
    assert "(120 min left)" in tech.texts()[-1]
