"""Registration through the real bot: language, name, phone, company; both languages."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Customer
from tests.harness import Harness


async def register(
    harness: Harness,
    user_id: int = 1001,
    *,
    language: str = "English",
    name: str = "Wang Wei",
    phone: str = "+8613800138000",
    company: str | None = "ACME",
) -> None:
    """Walks a user through /start to the end."""
    user = harness.user(user_id)
    user.send_text("/start")
    await harness.settle()
    user.press(language)
    await harness.settle()
    user.send_text(name)
    await harness.settle()
    user.send_contact(phone)
    await harness.settle()
    if company is None:
        user.press("Skip" if language == "English" else "跳过")
    else:
        user.send_text(company)
    await harness.settle()


async def test_registration_in_english_stores_the_customer(harness: Harness) -> None:
    await register(harness)
    user = harness.user(1001)
    assert "You are registered, Wang Wei" in user.texts()[-1]
    async with harness.session() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_id == 1001))
    assert customer is not None
    assert (customer.name, customer.phone, customer.company, customer.language) == (
        "Wang Wei",
        "+8613800138000",
        "ACME",
        "en",
    )
    assert customer.registered_at is not None


async def test_registration_in_chinese_answers_in_chinese(harness: Harness) -> None:
    await register(harness, 1002, language="简体中文", name="王伟", company=None)
    user = harness.user(1002)
    assert "登记完成，王伟" in user.texts()[-1]
    async with harness.session() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_id == 1002))
    assert customer is not None and customer.language == "zh_CN" and customer.company is None


async def test_typed_phone_is_validated(harness: Harness) -> None:
    user = harness.user(1003)
    for step in ("/start",):
        user.send_text(step)
    await harness.settle()
    user.press("English")
    await harness.settle()
    user.send_text("Zhao")
    await harness.settle()
    user.send_text("12345")
    await harness.settle()
    assert "doesn't look like a valid phone number" in user.texts()[-1]
    user.send_text("138 0013 8000")
    await harness.settle()
    assert "Phone number saved: +8613800138000" in user.texts()[-2]


async def test_someone_elses_contact_is_refused(harness: Harness) -> None:
    user = harness.user(1004)
    user.send_text("/start")
    await harness.settle()
    user.press("English")
    await harness.settle()
    user.send_text("Qian")
    await harness.settle()
    user.send_contact("+8613900139000", user_id=999)
    await harness.settle()
    assert "your own contact" in user.texts()[-1]


async def test_restart_in_the_middle_of_registration_continues(harness: Harness) -> None:
    user = harness.user(1005)
    user.send_text("/start")
    await harness.settle()
    user.press("English")
    await harness.settle()
    user.send_text("Sun Li")
    await harness.settle()
    await harness.restart()
    user.send_contact("+8613800138001")
    await harness.settle()
    assert "Phone number saved" in user.texts()[-2]
    user.send_text("Beta Ltd")
    await harness.settle()
    assert "You are registered, Sun Li" in user.texts()[-1]
