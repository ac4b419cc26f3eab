"""The customer's fault report, end to end through the real bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from domain.lifecycle import CaseStatus
from storage.models import Case, CaseEvent, CasePhoto, Product, Reminder
from tests.bot.customer_steps import fill_report, press, register, report_fault, say
from tests.factories import make_product
from tests.harness import Harness
from tests.world import World


async def _known_product(harness: Harness, serial: str = "SN-1001", **kw: object) -> None:
    async with harness.session() as session, session.begin():
        await make_product(session, serial=serial, now=harness.clock.now(), **kw)  # type: ignore[arg-type]


async def _cases(harness: Harness) -> list[Case]:
    async with harness.session() as session:
        return list(await session.scalars(select(Case).order_by(Case.id)))


async def test_full_report_registers_the_case_with_both_promises(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2001)
    answer = await report_fault(harness, user)

    assert "registered as SR-20261123-0001" in answer
    assert "in warranty" in answer
    # Registered at 09:00 Shanghai: answer due next day 09:00, on site tomorrow by 18:00.
    assert "answer by 2026-11-24 09:00" in answer
    assert "on site by 2026-11-24 18:00" in answer
    [case] = await _cases(harness)
    assert case.status == CaseStatus.NEW
    assert case.response_due_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert case.onsite_due_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert case.address == "88 Century Ave, Pudong, Shanghai"
    async with harness.session() as session:
        product = await session.scalar(select(Product).where(Product.serial == "SN-1001"))
        assert product is not None and product.customer_id == case.customer_id
        events = list(await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
        stages = set(
            await session.scalars(select(Reminder.stage).where(Reminder.case_id == case.id))
        )
    assert [e.action for e in events] == ["create"]
    # The response clock (remind, breach) and the on-site clock (two pings, breach).
    assert stages == {"remind", "breach", "ping120", "ping30"}


async def test_report_in_chinese_with_photos_and_a_shared_location(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2002, chinese=True, name="李娜")
    await say(harness, user, "/report")
    await say(harness, user, "SN-1001")
    user.send_photo(b"photo-1", caption="空调不制冷")
    await harness.settle()
    assert "已添加第 1 张照片" in user.texts()[-1]
    user.send_photo(b"photo-2")
    await harness.settle()
    await press(harness, user, "继续")
    user.send_location(31.2304, 121.4737)
    await harness.settle()
    assert "补充详细地址" in user.texts()[-1]
    await press(harness, user, "跳过")
    answer = await press(harness, user, "小时内")
    assert "照片：2" in answer and "已分享的位置" in answer
    answer = await press(harness, user, "确认提交")
    assert "工单号 SR-20261123-0001" in answer and "在保修期内" in answer
    [case] = await _cases(harness)
    assert case.description == "空调不制冷"
    assert (case.latitude, case.longitude) == (31.2304, 121.4737)
    assert case.onsite_due_at == harness.clock.now() + timedelta(hours=4)
    async with harness.session() as session:
        photos = await session.scalar(select(func.count()).select_from(CasePhoto))
    assert photos == 2


async def test_unknown_serial_is_reported_with_warranty_to_be_verified(harness: Harness) -> None:
    user = await register(harness, 2003)
    await say(harness, user, "/report")
    assert "We don't have" not in user.texts()[-1]
    answer = await say(harness, user, "ZX-77")
    assert "don't have ZX-77 on record" in answer
    await say(harness, user, "Chiller C-2")
    answer = await say(harness, user, "2030-01-01")
    assert "in the future" in answer
    await say(harness, user, "2025-06-01")
    await say(harness, user, "Leaking water")
    await press(harness, user, "Continue")
    await say(harness, user, "Room 5, 1 Main St")
    await press(harness, user, "Tomorrow by 18:00")
    answer = await press(harness, user, "Confirm")
    assert "to be verified" in answer
    [case] = await _cases(harness)
    assert case.warranty == "to_be_verified"


async def test_out_of_warranty_product_says_a_quote_comes_first(harness: Harness) -> None:
    await _known_product(harness, warranty_end=harness.clock.now().date() - timedelta(days=1))
    user = await register(harness, 2004)
    answer = await report_fault(harness, user)
    assert "out of warranty (you approve a quote before work)" in answer


async def test_bad_inputs_are_refused_and_the_step_repeats(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2005)
    await say(harness, user, "/report")
    assert "serial" in (await say(harness, user, "!")).lower()
    await say(harness, user, "SN-1001")
    user.send_media("voice")
    await harness.settle()
    assert "describe it in text or photos" in user.texts()[-1]
    assert "too long" in await say(harness, user, "x" * 2001)
    assert "Please type something" in await say(harness, user, "\u200b\u200b")
    user.send_photo(b"no caption")
    await harness.settle()
    await press(harness, user, "Continue")
    assert "add a few words" in user.texts()[-1]
    await say(harness, user, "Display flickers")
    await press(harness, user, "Continue")
    await say(harness, user, "1 Main St")
    await press(harness, user, "Pick a date")
    answer = await say(harness, user, "2020-01-01 10:00")
    assert "in the past" in answer
    answer = await say(harness, user, "2027-06-01 10:00")
    assert "more than 30 days away" in answer
    answer = await say(harness, user, "next week maybe")
    assert "like 2026-11-24 14:00" in answer
    answer = await say(harness, user, "2026-11-25 14:00")
    assert "2026-11-25 14:00" in answer and "Is everything right?" in answer
    assert await _cases(harness) == []


async def test_the_typing_example_is_tomorrow_afternoon_and_accepted(harness: Harness) -> None:
    # Months after any fixed date a catalog could hold: the example is the customer's own
    # tomorrow (Shanghai), and typing it as shown is taken.
    harness.advance(datetime(2027, 3, 10, 12, 0, tzinfo=UTC) - harness.clock.now())
    await _known_product(harness)
    user = await register(harness, 2009)
    await fill_report(harness, user, description="Noise", address="1 Main St")
    assert "e.g. 2027-03-11 14:00" in await press(harness, user, "Pick a date")
    answer = await say(harness, user, "soon please")
    assert "like 2027-03-11 14:00" in answer
    answer = await say(harness, user, "2027-03-11 14:00")
    assert "2027-03-11 14:00" in answer and "Is everything right?" in answer


async def test_picking_a_day_and_hour_from_buttons(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2006)
    await fill_report(harness, user, description="Noise", address="1 Main St")
    await press(harness, user, "Pick a date")
    await press(harness, user, "11-26")
    answer = await press(harness, user, "14:00")
    assert "2026-11-26 14:00" in answer


async def test_edit_from_the_summary_then_confirm(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2007)
    await fill_report(harness, user, description="Old text", address="1 Main St")
    await press(harness, user, "Tomorrow by 18:00")
    await press(harness, user, "Edit")
    await press(harness, user, "Problem description")
    answer = await say(harness, user, "New text")
    assert "Problem: New text" in answer
    await press(harness, user, "Edit")
    await press(harness, user, "Address")
    answer = await say(harness, user, "2 Side St")
    assert "Address: 2 Side St" in answer
    await press(harness, user, "Confirm")
    [case] = await _cases(harness)
    assert (case.description, case.address) == ("New text", "2 Side St")


async def test_cancel_leaves_nothing_saved(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2008)
    await say(harness, user, "/report")
    await say(harness, user, "SN-1001")
    await say(harness, user, "Noise")
    answer = await say(harness, user, "/cancel")
    assert "Cancelled" in answer
    assert await _cases(harness) == []
    await fill_report(harness, user, description="Noise", address="1 Main St")
    await press(harness, user, "Tomorrow by 18:00")
    await press(harness, user, "Cancel")
    assert await _cases(harness) == []


async def test_restart_in_the_middle_of_a_report_continues(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2009)
    await say(harness, user, "/report")
    await say(harness, user, "SN-1001")
    await say(harness, user, "Water on the floor")
    await harness.restart()
    await press(harness, user, "Continue")
    assert "Where should the technician come" in user.texts()[-1]
    await say(harness, user, "1 Main St")
    await press(harness, user, "Tomorrow by 18:00")
    await harness.restart()
    answer = await press(harness, user, "Confirm")
    assert "registered as SR-20261123-0001" in answer
    [case] = await _cases(harness)
    assert case.description == "Water on the floor"


async def test_a_redelivered_update_is_processed_once(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2010)
    await fill_report(harness, user, description="Noise", address="1 Main St")
    await press(harness, user, "Tomorrow by 18:00")
    user.press("Confirm")
    await harness.settle()
    confirm_update = harness.server.calls_to("getUpdates")[-1]
    assert confirm_update.ok
    # Telegram redelivers the same update (e.g. after a lost acknowledgement).
    assert harness.runtime is not None
    stored = await harness.runtime.pump.ingest([harness.last_update_payload()])
    await harness.settle()
    assert stored == 0
    assert len(await _cases(harness)) == 1


async def test_repeat_fault_within_30_days_is_linked(harness: Harness, world: World) -> None:
    team = await world.team()
    user = await world.customer(2011)
    harness.advance(timedelta(days=1))
    # Reported, assigned, accepted, checked in, reported fixed, confirmed by the customer.
    await world.closed_case(user, team, serial="SN-1001")
    [first] = await _cases(harness)
    harness.advance(timedelta(days=10))
    answer = await report_fault(harness, user)
    assert "recent repair of this product (SR-20261124-0001)" in answer
    assert "registered as SR-20261204-0001" in user.texts()[-2]
    second = (await _cases(harness))[-1]
    assert second.is_repeat and second.parent_id == first.id


async def test_impossible_typed_deadlines_are_unreadable_not_a_crash(harness: Harness) -> None:
    # Year 1 overflows the time-zone arithmetic; 29 February rolled to a common year does not
    # exist. Both are dates nobody can be on site for: the usual "type it like" answer.
    harness.advance(datetime(2028, 3, 6, 1, 0, tzinfo=UTC) - harness.clock.now())
    await _known_product(harness)
    user = await register(harness, 2008)
    await fill_report(harness, user, description="Noise", address="1 Main St")
    await press(harness, user, "Pick a date")
    for typed in ("0001-01-01 00:00", "02-29 10:00", "9999-12-31 23:59", "12-31 23:00"):
        answer = await say(harness, user, typed)
        assert "like 2028-03-07 14:00" in answer or "more than 30 days" in answer, typed
        assert "went wrong" not in answer, typed
    answer = await say(harness, user, "03-07 10:00")
    assert "2028-03-07 10:00" in answer and "Is everything right?" in answer


async def test_forged_day_and_hour_buttons_at_the_calendar_edge_do_nothing(
    harness: Harness,
) -> None:
    await _known_product(harness)
    user = await register(harness, 2009)
    await fill_report(harness, user, description="Noise", address="1 Main St")
    await press(harness, user, "Pick a date")
    message_id = user.last().message_id
    for data in (
        "rf:h:0001-01-01:0",
        "rf:h:9999-12-31:23",
        "rf:day:0001-01-01",
        "rf:h:2026-11-26:²",
    ):
        user.press_data(data, message_id)
        await harness.settle()
        assert "went wrong" not in user.texts()[-1], data
    answer = await say(harness, user, "2026-11-26 14:00")
    assert "2026-11-26 14:00" in answer and "Is everything right?" in answer


async def test_malformed_deadline_buttons_are_stale_and_the_step_stays(harness: Harness) -> None:
    await _known_product(harness)
    user = await register(harness, 2090)
    await fill_report(harness, user)
    asked = user.last().message_id
    for forged in ("rf:d:soon", "rf:h:2026-11-24:25", "rf:day:2026-02-30", "rf:e:zz"):
        user.press_data(forged, asked)
        await harness.settle()
        answer = harness.server.calls_to("answerCallbackQuery")[-1]
        assert answer.params.get("text") == "This button is no longer valid.", forged
    assert await _cases(harness) == []
    await press(harness, user, "Tomorrow by 18:00")
    assert "registered as" in await press(harness, user, "Confirm")
