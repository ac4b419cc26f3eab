"""Property tests of the case state machine: the pure table, then services.workflow.move on a DB.

Random sequences of actions by random roles never reach an illegal state, never skip an
event (the audit trail is an unbroken chain ending at the current status), and never lose a
reminder (a pending reminder disappears only when the action makes its family moot).
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.clock import ManualClock
from domain import lifecycle
from domain.lifecycle import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    Action,
    Actor,
    CaseStatus,
    IllegalTransition,
    allowed_actions,
    customer_may_cancel,
)
from domain.policy import ServicePolicy
from domain.reminders import ReminderKind, moot_kinds
from services import intake, workflow
from storage.db import create_engine, create_session_factory
from storage.models import Case, CaseEvent, Reminder
from storage.repos import reminders
from tests.factories import make_customer
from tests.sampling import examples

moves = st.lists(st.tuples(st.sampled_from(Action), st.sampled_from(Actor)), max_size=40)
REACHABLE = {CaseStatus.NEW} | {t.target for t in TRANSITIONS}


@given(moves)
@settings(max_examples=300, deadline=None)
def test_random_actions_only_follow_the_table(sequence: list[tuple[Action, Actor]]) -> None:
    status = CaseStatus.NEW
    for action, actor in sequence:
        legal = action in allowed_actions(status, actor)
        try:
            after = lifecycle.transition(status, action, actor)
        except IllegalTransition as refused:
            assert not legal
            assert (refused.status, refused.action, refused.actor) == (status, action, actor)
            continue
        assert legal
        assert any(
            t.source == status and t.action == action and t.target == after and actor in t.actors
            for t in TRANSITIONS
        )
        status = after
        assert status in REACHABLE


def test_the_table_is_a_function_and_terminal_states_only_reopen() -> None:
    pairs = [(t.source, t.action) for t in TRANSITIONS]
    assert len(pairs) == len(set(pairs))
    assert all(t.actors for t in TRANSITIONS)
    for status in TERMINAL_STATUSES:
        for actor in Actor:
            assert set(allowed_actions(status, actor)) <= {Action.REOPEN}
    assert allowed_actions(CaseStatus.CANCELLED, Actor.SUPERVISOR) == []


@given(st.sampled_from(CaseStatus))
def test_customers_cancel_only_before_the_visit_and_never_act_as_staff(
    status: CaseStatus,
) -> None:
    customer_actions = set(allowed_actions(status, Actor.CUSTOMER))
    assert customer_actions <= {
        Action.CANCEL,
        Action.APPROVE_QUOTE,
        Action.DECLINE_QUOTE,
        Action.CLOSE,
        Action.REOPEN,
    }
    before_visit = {
        CaseStatus.NEW,
        CaseStatus.ASSIGNED,
        CaseStatus.ACCEPTED,
        CaseStatus.QUOTE_PENDING,
    }
    assert customer_may_cancel(status) == (status in before_visit)


# --- the same through services.workflow.move, on a real database ------------------------

reminder_kinds = st.lists(st.sampled_from(ReminderKind), max_size=3)
db_moves = st.lists(
    st.tuples(st.sampled_from(Action), st.sampled_from(Actor), reminder_kinds),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def runner(db_url_and_schema: tuple[str, str | None]):
    """An event loop of this test's own, with an engine on the test database."""
    url, schema = db_url_and_schema
    with asyncio.Runner() as loop:
        engine = create_engine(url, schema=schema)
        yield loop, create_session_factory(engine)
        loop.run(engine.dispose())


async def _scenario(sessions, plan: list[tuple[Action, Actor, list[ReminderKind]]], seed: int):
    clock = ManualClock()
    policy = ServicePolicy()
    async with sessions() as session, session.begin():
        customer = await make_customer(session, telegram_id=10_000 + seed, now=clock.now())
        case = await intake.open_case(
            session,
            customer=customer,
            draft=intake.CaseDraft(kind=lifecycle.CaseKind.FAULT, description="noise"),
            now=clock.now(),
            policy=policy,
        )
        case_id = case.id
    for step, (action, actor, kinds) in enumerate(plan):
        clock.advance(timedelta(minutes=5))
        async with sessions() as session, session.begin():
            for kind in kinds:
                await reminders.schedule(
                    session,
                    key=f"prop:{case_id}:{step}:{kind}",
                    kind=kind,
                    stage="prop",
                    due_at=clock.now() + timedelta(hours=1),
                    case_id=case_id,
                )
        before = await _state(sessions, case_id)
        try:
            async with sessions() as session, session.begin():
                case = await session.get(Case, case_id)
                assert case is not None
                target = await workflow.move(
                    session, case=case, action=action, actor=actor, actor_id=1, now=clock.now()
                )
        except IllegalTransition:
            assert action not in allowed_actions(before["status"], actor)
            assert await _state(sessions, case_id) == before  # nothing half-saved
            continue
        after = await _state(sessions, case_id)
        assert after["status"] == target == lifecycle.transition(before["status"], action, actor)
        assert len(after["events"]) == len(before["events"]) + 1
        assert after["events"][-1] == (action.value, before["status"], target)
        moot = moot_kinds(action, actor)
        for reminder_id, kind in before["pending"].items():
            if kind in moot:
                assert reminder_id not in after["pending"]
            else:
                assert after["pending"].get(reminder_id) == kind  # never lost
    final = await _state(sessions, case_id)
    chain = final["events"]
    assert chain[0] == ("create", None, CaseStatus.NEW)
    for earlier, later in itertools.pairwise(chain):
        assert earlier[2] == later[1]  # no skipped event: each move starts where the last ended
    assert chain[-1][2] == final["status"]


async def _state(sessions, case_id: int) -> dict[str, Any]:
    async with sessions() as session:
        case = await session.get(Case, case_id, populate_existing=True)
        assert case is not None
        events = await session.execute(
            select(CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.id)
        )
        pending = await session.execute(
            select(Reminder.id, Reminder.kind).where(
                Reminder.case_id == case_id,
                Reminder.sent_at.is_(None),
                Reminder.cancelled_at.is_(None),
            )
        )
        return {
            "status": CaseStatus(case.status),
            "events": [
                (action, CaseStatus(src) if src else None, CaseStatus(dst) if dst else None)
                for action, src, dst in events
            ],
            "pending": {rid: ReminderKind(kind) for rid, kind in pending},
        }


def test_moves_on_a_database_keep_the_trail_and_the_reminders(runner) -> None:
    loop, sessions = runner
    seeds = iter(range(1_000_000))

    @given(db_moves)
    @settings(
        max_examples=examples(25),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def check(plan: list[tuple[Action, Actor, list[ReminderKind]]]) -> None:
        loop.run(_scenario(sessions, plan, next(seeds)))

    check()
