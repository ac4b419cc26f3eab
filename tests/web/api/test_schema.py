"""A property-based run of the whole API from its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, sent over HTTP to the app on
loopback: no answer may be a 5xx, and every answer must match the document (status code,
content type, body schema). The examples are bounded so that the run stays well under 30 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Err
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import ManualClock
from sandbox.botapi import BotApiServer
from tests.harness import Harness
from tests.sampling import examples
from tests.web.api.conftest import call, new_key, served
from tests.web.api.test_cases import customer_and_product
from tests.web.conftest import Client, add_staff

EXAMPLES = 10  # per operation and generation mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
async def unlimited(
    botapi: BotApiServer, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[tuple[Harness, Client]]:
    """The app with a rate limit the run cannot reach (429 is tested on its own)."""
    async with served(botapi, engine, clock, api_rate_per_minute=1_000_000) as running:
        yield running


def run_operations(document: dict[str, Any], base_url: str, key: str) -> list[str]:
    """Runs every operation's generated requests; the failures found (blocking: a thread)."""
    schema = schemathesis.openapi.from_dict(document)
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"the document has an invalid operation: {result.err()}")
            continue
        operation = result.ok()
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=examples(EXAMPLES * 2),
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=10)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            check()
        except Exception as failure:  # every operation is run even after one fails
            failures.append(f"{operation.label}: {failure}")
    return failures


@pytest.mark.long
async def test_no_generated_request_gets_a_5xx_or_an_answer_off_the_document(
    unlimited: tuple[Harness, Client],
) -> None:
    harness, client = unlimited
    key = await new_key(harness)
    await add_staff(harness, 7101, ["technician"], name="Tech Sun")
    customer_id = await customer_and_product(client, key, serial="SN-1")
    status, _ = await call(
        client, "POST", "/api/v1/cases", key,
        {"customer_id": customer_id, "kind": "fault", "description": "Seed", "channel": "email"},
    )  # fmt: skip
    assert status == 201
    document = await (await client.get("/api/v1/openapi.json")).json()
    base_url = str(client.make_url("")).rstrip("/")
    failures = await asyncio.to_thread(run_operations, document, base_url, key)
    assert failures == [], "\n\n".join(failures)
