"""A realistic month of service built only through the chat and the dashboard (#18 guard).

Every case, survey, complaint, quote and report here is made the way people make them, so the
language guard (`test_page_language.py`) sees the pages staff really see. `TYPED` holds every
piece of text the people of this world typed: those words may appear on any page in any
language; every other ASCII word on a Chinese page is an untranslated fragment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from sandbox.users import SandboxUser
from storage.models import Case, Customer, Product, Staff, SupplierClaim, WebhookSubscription
from tests.bot.customer_steps import press, register, report_fault, say
from tests.bot.dispatch_steps import (
    CUSTOMER,
    DISPATCHER,
    assign_to,
    check_in,
    file_report,
    send_quote,
    staff_team,
)
from tests.factories import make_product
from tests.harness import Harness
from tests.web.conftest import Client, add_staff, log_in

ADMIN_ID = 9100
SUPERVISOR_ID = 5009

# What the people of this world typed (or what the product catalog import holds).
TYPED = [
    # staff
    "Desk Zhou", "Tech An", "Tech Bo", "Chen Sup", "Admin Gao", "Pudong", "Minhang", "hvac",
    # customers
    "Wang Wei", "Li Na", "Zhao Lei", "Sun Mei", "Qian Hao", "Qian Trading",
    # products
    "SN-1001", "SN-2002", "SN-3003", "SN-4004", "AC-9000",
    # what they wrote
    "Compressor makes a loud noise, error E4", "88 Century Ave, Pudong, Shanghai",
    "Replaced the start relay and tested.", "Compressor K3", "Acme Compressors Ltd",
    "The technician was rude.", "Called the customer and apologised.",
    "Please install the indoor unit in the office", "1 Office Park, Pudong",
    "Installed and commissioned the unit", "Relay", "Unit does not start, phoned in",
    "5 Nanjing Road", "Leaking water", "Loose cable", "Zhou Min", "SN-5005",
    "Still noisy at night", "SN-9009", "AC-7000", "Customer prefers mornings",
    "We will call you before we come", "Duplicate of a phone call", "Call before visiting",
    "Is the price final?",
    "Too far for me today", "credit note 4471", "bi-reports", "127.0.0.1:9/hook",
]  # fmt: skip


@dataclass
class World:
    """What the test needs to find its pages."""

    admin: int = ADMIN_ID
    case_ids: list[int] = field(default_factory=list)
    staff_ids: list[int] = field(default_factory=list)
    webhook_ids: list[int] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)


async def _press_containing(harness: Harness, user: SandboxUser, part: str) -> None:
    """Presses the first button of the last message whose label contains `part`."""
    labels = [b.text for row in user.last().buttons() for b in row if part in b.text]
    assert labels, (part, user.last().button_texts())
    await press(harness, user, labels[0])


async def _products(harness: Harness) -> None:
    """The catalog import: four products, one out of warranty."""
    now = harness.clock.now()
    async with harness.session() as session, session.begin():
        for serial in ("SN-1001", "SN-3003", "SN-4004", "SN-5005"):
            await make_product(session, serial=serial, now=now)
        await make_product(session, serial="SN-2002", now=now,
                           warranty_end=now.date() - timedelta(days=10))  # fmt: skip


async def _repaired_surveyed_complained(harness: Harness) -> None:
    """Wang Wei: a supplier part fails; the survey says not solved, low scores, a complaint;
    the supervisor closes the complaint; the reopened case is repaired by Tech Bo."""
    desk, tech_a, tech_b = harness.user(DISPATCHER), harness.user(6001), harness.user(6002)
    customer = await register(harness, CUSTOMER)
    assert "registered as" in await report_fault(harness, customer, serial="SN-1001")
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    filed = await file_report(
        harness, tech_a, parts=("Compressor K3, 1, 350",), cause="Supplier part",
        supplier="Acme Compressors Ltd",
    )  # fmt: skip
    assert "filed" in filed
    await press(harness, customer, "Confirm")
    harness.advance(timedelta(hours=1))
    await harness.tick()
    assert "Question 1 of 7" in customer.texts()[-1]
    for label in ("4 — Satisfied", "No", "2 — Poor", "No", "No", "7"):
        await press(harness, customer, label)
    await say(harness, customer, "The technician was rude.")
    async with harness.session() as session:
        complaint = await session.scalar(select(Case.number).where(Case.kind == "complaint"))
        number = await session.scalar(select(Case.number).where(Case.kind == "fault"))
    assert complaint is not None and number is not None

    supervisor = harness.user(SUPERVISOR_ID)
    await say(harness, supervisor, "/complaints")
    await press(harness, supervisor, f"Take {complaint}")
    await press(harness, supervisor, "Close with root cause")
    await press(harness, supervisor, "Communication")
    await say(harness, supervisor, "Called the customer and apologised.")
    await press(harness, customer, "Yes, satisfied")

    await say(harness, desk, "/queue")
    await press(harness, desk, f"Assign {number}")
    await _press_containing(harness, desk, "Tech Bo")
    await press(harness, tech_b, "Accept")
    await check_in(harness, tech_b)
    assert "filed" in await file_report(harness, tech_b, cause="Installation")
    await press(harness, customer, "Confirm")


async def _disputed(harness: Harness) -> None:
    """Zhou Min disputes Tech An's report: the case is reopened and back in the queue."""
    desk, tech_a = harness.user(DISPATCHER), harness.user(6001)
    customer = await register(harness, 7005, name="Zhou Min", phone="+8613800138005")
    await report_fault(harness, customer, serial="SN-5005")
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await check_in(harness, tech_a)
    await file_report(harness, tech_a)
    await press(harness, customer, "Still a problem")
    assert "reopened" in await say(harness, customer, "Still noisy at night")


async def _quoted(harness: Harness) -> None:
    """Li Na: out of warranty; Tech An quotes and she has not decided yet."""
    desk, tech_a = harness.user(DISPATCHER), harness.user(6001)
    customer = await register(harness, 7002, name="Li Na", phone="+8613800138002")
    await report_fault(harness, customer, serial="SN-2002", description="Loose cable")
    await assign_to(harness, desk, "Tech An")
    await press(harness, tech_a, "Accept")
    await send_quote(harness, tech_a)
    await say(harness, customer, "Is the price final?")  # the case's conversation


async def _installation(harness: Harness) -> None:
    """Zhao Lei asks for an installation; Tech Bo declines it, Tech An accepts it."""
    desk, tech_b = harness.user(DISPATCHER), harness.user(6002)
    customer = await register(harness, 7003, name="Zhao Lei", phone="+8613800138003")
    await say(harness, customer, "/install")
    await say(harness, customer, "SN-3003")
    await say(harness, customer, "Please install the indoor unit in the office")
    await press(harness, customer, "Continue")
    await say(harness, customer, "1 Office Park, Pudong")
    await press(harness, customer, "Tomorrow by 18:00")
    await press(harness, customer, "Confirm")
    await assign_to(harness, desk, "Tech Bo")
    await press(harness, tech_b, "Decline")
    await say(harness, tech_b, "Too far for me today")
    async with harness.session() as session:
        number = await session.scalar(select(Case.number).where(Case.kind == "installation"))
    await say(harness, desk, "/queue")
    await press(harness, desk, f"Assign {number}")
    await _press_containing(harness, desk, "Tech An")
    await press(harness, harness.user(6001), "Accept")


async def _cancelled(harness: Harness) -> None:
    """Sun Mei reports a leak and cancels it from /cases."""
    customer = await register(harness, 7004, name="Sun Mei", phone="+8613800138004")
    await report_fault(harness, customer, serial="SN-4004", description="Leaking water")
    await say(harness, customer, "/cases")
    await _press_containing(harness, customer, "SR-")
    await press(harness, customer, "Cancel this request")
    await press(harness, customer, "Yes, cancel it")


async def _by_phone(harness: Harness, client: Client, csrf: str) -> None:
    """The admin registers a phone call from a customer without Telegram."""
    form = {
        "customer": "new", "name": "Qian Hao", "phone": "139 0013 9077",
        "company": "Qian Trading", "language": "zh_CN", "serial": "SN-9009", "model": "AC-7000",
        "kind": "fault", "channel": "phone", "description": "Unit does not start, phoned in",
        "address": "5 Nanjing Road", "due_date": "2026-11-25", "due_time": "10:00", "csrf": csrf,
    }  # fmt: skip
    response = await client.post("/cases/new", data=form)
    assert response.status == 200, await response.text()


DONE = ("warranty_verified", "noted", "sent", "deadline_changed", "cancelled", "key_on", "region",
        "note")  # fmt: skip


async def _desk_actions(harness: Harness, client: Client, csrf: str) -> None:
    """From the case and customer pages: the warranty verified, a note, a message, a new
    deadline on the phone case; the disputed case cancelled; Zhou Min made a key customer."""
    async with harness.session() as session:
        phoned = await session.scalar(select(Case.id).where(Case.channel == "phone"))
        disputed = await session.scalar(select(Case.id).where(Case.reopen_count == 1,
                                                              Case.status == "new"))  # fmt: skip
        zhou = await session.scalar(select(Customer.id).where(Customer.name == "Zhou Min"))
        quoted = await session.scalar(select(Case.id).where(Case.status == "quote_pending"))
    assert quoted is not None and phoned is not None and disputed is not None and zhou is not None
    posts = [
        (f"/cases/{phoned}/warranty", {"result": "out_of_warranty", "warranty_end": "2026-01-31"}),
        (f"/cases/{phoned}/note", {"text": "Customer prefers mornings"}),
        (f"/cases/{quoted}/message", {"text": "We will call you before we come"}),
        (f"/cases/{phoned}/deadline", {"deadline": "2026-11-26 14:00"}),
        (f"/cases/{disputed}/cancel", {"reason": "Duplicate of a phone call"}),
        (f"/customers/{zhou}/key", {"key": "on"}),
        (f"/customers/{zhou}/region", {"region": "Pudong"}),
        (f"/customers/{zhou}/note", {"note": "Call before visiting"}),
    ]
    for (path, data), done in zip(posts, DONE, strict=True):
        response = await client.post(path, data={**data, "csrf": csrf})
        assert response.status == 200, (path, await response.text())
        assert response.url.query.get("done", response.url.query.get("notice")) == done, path


async def _admin_pages(harness: Harness, client: Client, csrf: str) -> None:
    """The admin certifies Tech An, records the supplier claim's outcome, adds an API key and a
    webhook (its receiver is down)."""
    async with harness.session() as session:
        tech_an = await session.scalar(select(Staff.id).where(Staff.name == "Tech An"))
        claim = await session.scalar(select(SupplierClaim.id))
    assert tech_an is not None and claim is not None
    posts = [
        ("/staff/certify", {"staff": str(tech_an), "category": "hvac", "until": "2027-06-30"}),
        (f"/claims/{claim}/outcome", {"outcome": "accepted", "note": "credit note 4471"}),
        ("/integrations/keys", {"name": "bi-reports", "scope": "reports:read"}),
        ("/integrations/webhooks", {"url": "http://127.0.0.1:9/hook", "event": "case.created"}),
    ]
    for path, data in posts:
        response = await client.post(path, data={**data, "csrf": csrf})
        assert response.status == 200, (path, await response.text())


async def build(harness: Harness, client: Client) -> World:
    """Builds the world and logs the client in as the admin."""
    await staff_team(harness)
    await add_staff(harness, SUPERVISOR_ID, ["supervisor"], name="Chen Sup")
    await add_staff(harness, ADMIN_ID, ["admin"], name="Admin Gao")
    await _products(harness)
    await _repaired_surveyed_complained(harness)
    await _disputed(harness)
    await _quoted(harness)
    await _installation(harness)
    await _cancelled(harness)
    csrf = await log_in(harness, client, ADMIN_ID)
    await _by_phone(harness, client, csrf)
    await _desk_actions(harness, client, csrf)
    await _admin_pages(harness, client, csrf)
    await harness.settle()
    async with harness.session() as session:
        world = World(
            case_ids=list(await session.scalars(select(Case.id).order_by(Case.id))),
            staff_ids=list(await session.scalars(select(Staff.id).order_by(Staff.id))),
            webhook_ids=list(await session.scalars(select(WebhookSubscription.id))),
            customer_ids=list(await session.scalars(select(Customer.id).order_by(Customer.id))),
            product_ids=list(await session.scalars(select(Product.id).order_by(Product.id))),
        )
        assert await session.scalar(select(SupplierClaim.id)) is not None
    return world
