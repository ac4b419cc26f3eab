"""The demo's products read as a person would write them: the customer's service file shows
"air conditioner", not a code like "air_conditioner"."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands.demo import web_app
from aftersales.demo import CUSTOMER
from core.clock import ManualClock
from storage.models import Customer
from tests.sandbox.sandbox_world import running_sandbox, sandbox_ui


async def test_the_demo_customers_products_have_readable_categories(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    async with running_sandbox(engine, clock) as sandbox:
        assert sandbox.runtime is not None
        async with sandbox.runtime.sessions() as session:
            customer = await session.scalar(
                select(Customer).where(Customer.telegram_id == CUSTOMER.telegram_id)
            )
        assert customer is not None
        client: TestClient[Any, Any] = TestClient(
            TestServer(web_app(sandbox, sandbox_ui(sandbox)))
        )
        await client.start_server()
        try:
            signed_in = await client.get("/sandbox/dashboard")  # the link, then its button
            await client.post(signed_in.url.path)
            page = await (await client.get(f"/customers/{customer.id}")).text()
            assert "air conditioner" in page and "refrigeration" in page
            assert "air_conditioner" not in page
        finally:
            await client.close()
