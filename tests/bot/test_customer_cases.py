"""Customer commands: cases and timeline, cancellation, products, deep links, language, help."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.lifecycle import CaseStatus
from storage.models import Case, CaseEvent, Product
from tests.bot.customer_steps import press, register, report_fault, say
from tests.bot.job_steps import assign_to, check_in
from tests.factories import make_customer, make_product
from tests.harness import Harness
from tests.world import World


async def _product(harness: Harness, serial: str = "SN-1001", **kw: object) -> None:
    async with harness.session() as session, session.begin():
        await make_product(session, serial=serial, now=harness.clock.now(), **kw)  # type: ignore[arg-type]


async def test_cases_list_timeline_and_cancellation(harness: Harness) -> None:
    await _product(harness)
    user = await register(harness, 3001)
    await report_fault(harness, user)
    harness.advance(timedelta(minutes=5))
    answer = await say(harness, user, "/cases")
    assert answer == "Your cases (newest first):"
    assert user.last().button_texts() == ["SR-20261123-0001 · registered, waiting for the desk"]
    detail = await press(harness, user, "SR-20261123-0001")
    assert "Status: registered, waiting for the desk" in detail
    assert "2026-11-23 09:00 — Request registered" in detail
    await press(harness, user, "Cancel this request")
    answer = await press(harness, user, "Yes, cancel it")
    assert answer == "SR-20261123-0001 is cancelled."
    async with harness.session() as session:
        case = await session.scalar(select(Case))
        assert case is not None
        events = list(await session.scalars(select(CaseEvent.action).order_by(CaseEvent.id)))
    assert case.status == CaseStatus.CANCELLED and case.cancelled_at == harness.clock.now()
    assert events == ["create", "cancel"]


async def test_case_on_site_can_no_longer_be_cancelled(harness: Harness, world: World) -> None:
    team = await world.team()
    await _product(harness)
    user = await register(harness, 3002)
    await report_fault(harness, user)
    await say(harness, user, "/cases")
    await press(harness, user, "SR-20261123-0001")
    user.press("Cancel this request")
    await harness.settle()
    # Meanwhile the desk assigns the case, the technician accepts and checks in on site.
    await assign_to(harness, team.desk, team.tech_name)
    await press(harness, team.tech, "Accept")
    await check_in(harness, team.tech)
    assert not any("can no longer be cancelled" in t for t in user.texts())
    await press(harness, user, "Yes, cancel it")
    # The refusal replaces the question (edited in place), above the technician's notices.
    assert any("can no longer be cancelled" in t for t in user.texts()), user.texts()[-4:]
    async with harness.session() as session:
        assert (await session.scalar(select(Case.status))) == CaseStatus.ON_SITE


async def test_nobody_sees_another_customers_case(harness: Harness) -> None:
    await _product(harness)
    owner = await register(harness, 3003)
    await report_fault(harness, owner)
    async with harness.session() as session:
        case_id = await session.scalar(select(Case.id))
    intruder = await register(harness, 3004, phone="+8613800138009")
    menu = (await say(harness, intruder, "/cases"), intruder.last())
    assert menu[0] == "You have no service cases yet. Send /report to report a fault."
    for forged in (f"case:{case_id}", f"cxl:{case_id}", f"cxlok:{case_id}"):
        intruder.press_data(forged, menu[1].message_id)
        await harness.settle()
    answers = [call.params.get("text") for call in harness.server.calls_to("answerCallbackQuery")]
    assert answers[-3:] == ["No such case among yours."] * 3
    assert all("SR-2026" not in text for text in intruder.texts())
    async with harness.session() as session:
        assert (await session.scalar(select(Case.status))) == CaseStatus.NEW


async def test_unregistered_user_is_asked_to_register(harness: Harness) -> None:
    user = harness.user(3005)
    assert await say(harness, user, "/report") == "Please register first: send /start."
    assert await say(harness, user, "/cases") == "Please register first: send /start."


async def test_products_list_and_adding_known_unknown_and_taken_serials(harness: Harness) -> None:
    await _product(
        harness, "SN-2001", warranty_end=harness.clock.now().date() + timedelta(days=90)
    )
    async with harness.session() as session, session.begin():
        other = await make_customer(session, telegram_id=3999, now=harness.clock.now())
        await make_product(session, serial="SN-TAKEN", now=harness.clock.now(), customer=other)
    user = await register(harness, 3006)
    assert await say(harness, user, "/products") == "You have no registered products yet."
    await press(harness, user, "Add a product")
    answer = await say(harness, user, "sn-2001")
    assert answer == (
        "SN-2001 (AC-9000) is now registered to you. "
        "Warranty: in warranty (free repair and parts)."
    )
    await say(harness, user, "/products")
    await press(harness, user, "Add a product")
    answer = await say(harness, user, "SN-TAKEN")
    assert "registered to another customer" in answer
    await say(harness, user, "/products")
    await press(harness, user, "Add a product")
    await say(harness, user, "NEW-1")
    await say(harness, user, "Boiler B1")
    answer = await press(harness, user, "Skip")
    assert answer == "NEW-1 (Boiler B1) is registered. The service desk will verify its warranty."
    listing = await say(harness, user, "/products")
    assert "• NEW-1 — Boiler B1 (to be verified by the service desk)" in listing
    assert "• SN-2001 — AC-9000 (in warranty (free repair and parts), until 2027-02-21)" in listing
    async with harness.session() as session:
        taken = await session.scalar(select(Product).where(Product.serial == "SN-TAKEN"))
    assert taken is not None and taken.customer_id == other.id


async def test_qr_deep_link_registers_the_product_and_offers_a_report(harness: Harness) -> None:
    await _product(harness, "QR-55")
    user = harness.user(3007)
    user.send_text("/start p-QR-55")
    await harness.settle()
    user.press("English")
    await harness.settle()
    await say(harness, user, "Zhou")
    user.send_contact("+8613800138055")
    await harness.settle()
    await press(harness, user, "Skip")
    assert "QR-55 (AC-9000) is registered to you." in user.texts()
    await press(harness, user, "Report a fault for it")
    assert "Please describe the problem" in user.texts()[-1]


async def test_language_switch_and_help(harness: Harness) -> None:
    user = await register(harness, 3008)
    assert "an answer within 24 hours" in await say(harness, user, "/help")
    await say(harness, user, "/language")
    assert await press(harness, user, "简体中文") == "已切换为简体中文。"
    assert "24 小时内答复" in await say(harness, user, "/help")


async def test_unknown_commands_stray_text_and_stale_buttons(harness: Harness) -> None:
    user = await register(harness, 3009)
    assert "don't know that command" in await say(harness, user, "/frobnicate")
    assert "not sure what to do with that" in await say(harness, user, "hello?")
    user.press_data("rf:ok", user.last().message_id)
    await harness.settle()
    last_answer = harness.server.calls_to("answerCallbackQuery")[-1]
    assert last_answer.params.get("text") == "This button is no longer valid."
    user.edit_text(1, "edited")  # the /start it sent first
    await harness.settle()
    assert "don't pick up edited messages" in user.texts()[-1]
