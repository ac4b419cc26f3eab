"""A conversation per case: the customer writes outside a dialog, the desk and the technician
receive it, answer it, and the case page shows the whole thread in order."""

from __future__ import annotations

from sqlalchemy import select

from core.callbacks import ThreadCase
from storage.models import Case, CaseMessage
from tests.bot.customer_steps import press, register, say
from tests.bot.dispatch_steps import (
    DISPATCHER,
    accepted_job,
    assign_to,
    customer_with_case,
    harness,
    only_case,
    staff_team,
)
from tests.factories import make_product
from tests.harness import Harness
from tests.web.conftest import Client, client, log_in

__all__ = ["client", "harness"]

NUMBER = "SR-20261123-0001"


async def thread(harness: Harness, case_id: int) -> list[CaseMessage]:
    """The stored conversation of a case, oldest first."""
    async with harness.session() as session:
        rows = await session.scalars(
            select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)
        )
        return list(rows)


async def test_customer_writes_desk_sees_it_on_the_page_and_answers_in_chat(
    harness: Harness, client: Client
) -> None:
    customer, tech = await accepted_job(harness)
    desk = harness.user(DISPATCHER)
    answer = await say(harness, customer, "The noise is louder today")
    assert f"Added to your case {NUMBER}" in answer
    for staff in (desk, tech):
        assert f"Wang Wei wrote about {NUMBER}:\nThe noise is louder today" in staff.texts()[-1]
    assert f"/reply {NUMBER}" in desk.texts()[-1]
    assert tech.last().button_texts() == ["✍️ Write to the customer"]

    case = await only_case(harness)
    await log_in(harness, client, DISPATCHER)
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert "Customer Wang Wei" in page and "The noise is louder today" in page

    await say(harness, desk, f"/reply {NUMBER} We will bring a new fan")
    assert (
        f"Message from the service desk about {NUMBER}:\nWe will bring a new fan"
        in customer.texts()[-1]
    )
    page = await (await client.get(f"/cases/{case.id}")).text()
    thread_html = page[page.index('id="thread"') :]
    assert "Service desk: Desk Zhou" in thread_html
    assert thread_html.index("The noise is louder") < thread_html.index("bring a new fan")
    stored = await thread(harness, case.id)
    assert [(m.author, m.author_name, m.text) for m in stored] == [
        ("customer", "Wang Wei", "The noise is louder today"),
        ("desk", "Desk Zhou", "We will bring a new fan"),
    ]


async def test_photo_and_voice_reach_the_desk_and_technician_and_open_on_the_page(
    harness: Harness, client: Client
) -> None:
    customer, tech = await accepted_job(harness)
    desk = harness.user(DISPATCHER)
    customer.send_photo(b"\x89PNG the cracked pipe", caption="Crack near the valve")
    await harness.settle()
    assert f"Added to your case {NUMBER}" in customer.texts()[-1]
    for staff in (desk, tech):
        sent = staff.last()
        assert sent.kind == "photo" and sent.photo_file_id is not None
        assert f"Wang Wei sent a photo about {NUMBER}\nCrack near the valve" in (sent.text or "")
        assert harness.server.file_bytes(sent.photo_file_id) == b"\x89PNG the cracked pipe"
    customer.send_media("voice")
    await harness.settle()
    for staff in (desk, tech):
        sent = staff.last()
        assert sent.kind == "voice" and sent.voice_file_id is not None
        assert f"Wang Wei sent a voice note about {NUMBER}" in (sent.text or "")

    case = await only_case(harness)
    photo, voice = await thread(harness, case.id)
    assert (photo.text, photo.photo_file_id is not None) == ("Crack near the valve", True)
    assert voice.voice_file_id is not None and voice.text is None
    await log_in(harness, client, DISPATCHER)
    page = await (await client.get(f"/cases/{case.id}")).text()
    assert f'href="/cases/{case.id}/messages/{photo.id}/photo"' in page
    assert f'src="/cases/{case.id}/messages/{voice.id}/voice"' in page
    full = await client.get(f"/cases/{case.id}/messages/{photo.id}/photo")
    assert full.status == 200 and full.content_type == "image/png"
    assert await full.read() == b"\x89PNG the cracked pipe"
    note = await client.get(f"/cases/{case.id}/messages/{voice.id}/voice")
    assert note.status == 200 and note.content_type == "audio/ogg"
    assert (await client.get(f"/cases/{case.id}/messages/{photo.id}/voice")).status == 404
    assert (await client.get(f"/cases/{case.id + 1}/messages/{photo.id}/photo")).status == 404
    await client.get(f"/lang/zh_CN?next=/cases/{case.id}", allow_redirects=False)
    chinese = await (await client.get(f"/cases/{case.id}")).text()
    thread_html = chinese[
        chinese.index('id="thread"') : chinese.index("</section>", chinese.index('id="thread"'))
    ]
    assert "沟通记录" in thread_html and "客户 Wang Wei" in thread_html
    assert "Customer" not in thread_html and "Voice" not in thread_html


async def test_two_open_cases_ask_which_and_the_waiting_messages_survive_a_restart(
    harness: Harness,
) -> None:
    desk, _, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-2002", now=harness.clock.now())
    await say(harness, customer, "/report")
    await press(harness, customer, "Another product")
    await say(harness, customer, "SN-2002")
    await say(harness, customer, "Fan rattles")
    await press(harness, customer, "Continue")
    await say(harness, customer, "12 Lane 5, Minhang")
    await press(harness, customer, "Tomorrow by 18:00")
    assert "registered as SR-20261123-0002" in await press(harness, customer, "Confirm")

    asked = await say(harness, customer, "Is anyone coming this week?")
    assert "Which of your open cases is this about? (1 message(s) waiting)" in asked
    assert len(customer.last().buttons()) == 2
    await harness.restart()  # the waiting message is stored with the customer's data
    customer.send_photo(b"\x89PNG rattling fan")
    await harness.settle()
    assert "(2 message(s) waiting)" in customer.texts()[-1]
    assert customer.last().button_texts() == [
        "SR-20261123-0002 · Fan rattles",
        "SR-20261123-0001 · Compressor makes a loud noise, error E4",
    ]
    await press(harness, customer, "SR-20261123-0002 · Fan rattles")
    assert "2 message(s) added to your case SR-20261123-0002" in customer.texts()[-1]
    assert "Wang Wei wrote about SR-20261123-0002:\nIs anyone coming" in desk.texts()[-2]
    assert desk.last().kind == "photo"

    async with harness.session() as session:
        cases = {c.number: c.id for c in await session.scalars(select(Case))}
    first = await thread(harness, cases[NUMBER])
    chosen = await thread(harness, cases["SR-20261123-0002"])
    assert first == []
    assert [(m.text, m.photo_file_id is not None) for m in chosen] == [
        ("Is anyone coming this week?", False),
        (None, True),
    ]
    # Pressed again (a double tap), nothing is waiting any more: nothing is added twice.
    question = [m for m in customer.inbox() if "Which of your open" in (m.text or "")][-1]
    again = customer.press_data(ThreadCase(cases["SR-20261123-0002"]).pack(), question.message_id)
    await harness.settle()
    assert "No message is waiting" in (harness.server.callback_answer(again) or {}).get("text", "")
    assert len(await thread(harness, cases["SR-20261123-0002"])) == 2


async def test_technician_writes_to_the_customer_from_jobs(harness: Harness) -> None:
    customer, tech = await accepted_job(harness)
    await say(harness, tech, "/jobs")
    asked = await press(harness, tech, "Write to the customer")
    assert f"Type your message to the customer of {NUMBER}" in asked
    sent = await say(harness, tech, "I will be there at 3 pm")
    assert f"Your message was sent to the customer of {NUMBER}" in sent
    assert (
        f"Message from technician Tech An about {NUMBER}:\nI will be there at 3 pm"
        in customer.texts()[-1]
    )
    case = await only_case(harness)
    [message] = await thread(harness, case.id)
    assert (message.author, message.author_name) == ("technician", "Tech An")
    # The customer's answer comes back to the technician, with the button to reply again.
    await say(harness, customer, "Fine, see you")
    assert f"Wang Wei wrote about {NUMBER}:\nFine, see you" in tech.texts()[-1]
    await press(harness, tech, "Write to the customer")
    await say(harness, tech, "On my way")
    assert "On my way" in customer.texts()[-1]


async def test_the_desk_card_shows_the_customer_and_photos_and_keeps_them_after_assign(
    harness: Harness,
) -> None:
    desk, _, _ = await staff_team(harness)
    async with harness.session() as session, session.begin():
        await make_product(session, serial="SN-1001", now=harness.clock.now())
    customer = await register(harness, 7001, name="Wang Wei", phone="+8613800138000")
    await say(harness, customer, "/report")
    await say(harness, customer, "SN-1001")
    customer.send_photo(b"\x89PNG broken", caption="Broken display")
    await harness.settle()
    await press(harness, customer, "Continue")
    await say(harness, customer, "88 Century Ave")
    await press(harness, customer, "Tomorrow by 18:00")
    assert "registered as" in await press(harness, customer, "Confirm")

    card = desk.last()
    assert "Customer: Wang Wei, +8613800138000" in (card.text or "")
    assert "Photos: 1" in (card.text or "")
    details = card.text
    await assign_to(harness, desk, "Tech An")
    kept = harness.server.message(DISPATCHER, card.message_id)
    assert kept.text == details  # the picker came as a message of its own
    assert "assigned to Tech An" in desk.texts()[-1]


async def test_a_message_inside_a_dialog_still_goes_to_the_dialog(harness: Harness) -> None:
    desk, _, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    assert "Which product" in await say(harness, customer, "/report")
    # Typed where the dialog waits for a button: not a word to the desk.
    assert "not sure what to do" in await say(harness, customer, "The one in the kitchen")
    await press(harness, customer, "SN-1001")
    answer = await say(harness, customer, "Water under the unit")
    assert "You can add up to 5 photos" in answer
    customer.send_photo(b"\x89PNG water")
    await harness.settle()
    assert "Added to your case" not in customer.texts()[-1]
    assert not any("Wang Wei wrote about" in text for text in desk.texts())
    case = await only_case(harness)
    assert await thread(harness, case.id) == []
    await say(harness, customer, "/cancel")
    assert "Added to your case" in await say(harness, customer, "Now outside the dialog")


async def test_a_job_only_offered_gets_the_message_without_a_reply_button(
    harness: Harness,
) -> None:
    desk, tech, _ = await staff_team(harness)
    customer = await customer_with_case(harness)
    await assign_to(harness, desk, "Tech An")
    await say(harness, customer, "Please bring a ladder")
    assert f"Wang Wei wrote about {NUMBER}:\nPlease bring a ladder" in tech.texts()[-1]
    assert tech.last().button_texts() == []  # they write back once they accepted the job
