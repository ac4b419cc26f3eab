"""API keys: bearer auth, scopes, revocation, the rate limit, JSON for every error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.commands.api_keys import list_keys, revoke_key
from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from storage.models import ApiKey
from tests.harness import Harness
from tests.web.api.conftest import call, new_key, served
from tests.web.conftest import Client


async def test_missing_unknown_revoked_keys_get_401_and_a_missing_scope_403(
    harness: Harness, client: Client
) -> None:
    anonymous = await client.get("/api/v1/cases")
    assert anonymous.status == 401
    assert (await anonymous.json())["error"] == "unauthorized"
    assert (await call(client, "GET", "/api/v1/cases", "as_forged"))[0] == 401

    reader = await new_key(harness, "bi", "reports:read")
    status, body = await call(client, "GET", "/api/v1/cases", reader)
    assert (status, body["error"]) == (403, "forbidden")
    assert "cases:read" in body["message"]
    assert (await call(client, "GET", "/api/v1/reports/standards", reader))[0] == 200

    assert await revoke_key(harness.sessions, name="bi", now=harness.clock.now())
    assert (await call(client, "GET", "/api/v1/reports/standards", reader))[0] == 401


async def test_keys_are_stored_hashed_and_listed_without_the_key(harness: Harness) -> None:
    key = await new_key(harness, "crm", "customers:read,customers:write")
    async with harness.session() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.name == "crm"))
    assert row is not None and key not in (row.digest, row.prefix) and len(row.digest) == 64
    listing = await list_keys(harness.sessions)
    assert "crm" in listing and "customers:read,customers:write" in listing
    assert key not in listing


async def test_unknown_routes_and_methods_under_api_answer_json(
    harness: Harness, client: Client
) -> None:
    for path in ("/api/v1/nothing", "/api/other", "/api/v1/cases/1/explode"):
        response = await client.get(path)
        assert response.status == 404 and response.content_type == "application/json", path
        assert (await response.json())["error"] == "not_found"
    wrong = await client.delete("/api/v1/cases")
    assert wrong.status == 405 and (await wrong.json())["error"] == "method_not_allowed"


@pytest.fixture
async def limited(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[tuple[Harness, Client]]:
    """The app with three requests per minute per key."""
    async with served(botapi, engine, clock, api_rate_per_minute=3) as running:
        yield running


async def test_each_key_has_its_own_rate_limit_with_retry_after(
    limited: tuple[Harness, Client],
) -> None:
    harness, client = limited
    busy, other = await new_key(harness, "busy"), await new_key(harness, "other")
    statuses = [(await call(client, "GET", "/api/v1/surveys", busy))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {busy}"})
    assert refused.status == 429 and refused.headers["Retry-After"] == "20"
    assert (await refused.json())["error"] == "rate_limited"
    assert (await call(client, "GET", "/api/v1/surveys", other))[0] == 200

    harness.advance(timedelta(seconds=20))
    assert (await call(client, "GET", "/api/v1/surveys", busy))[0] == 200
    assert (await call(client, "GET", "/api/v1/surveys", busy))[0] == 429
