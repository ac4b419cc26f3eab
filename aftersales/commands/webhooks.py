"""`aftersales webhook add|list|remove|test|log|redeliver`: outgoing webhook subscriptions."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales.commands.database import on_existing_database
from core.clock import SystemClock
from core.settings import Settings
from domain.webhooks import EVENTS
from services import webhook_subscriptions
from services.webhook_subscriptions import SubscriptionRefused, subscribe
from storage.repos import webhooks


def add_parser(subparsers: Any) -> None:
    """Adds the webhook subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser("webhook", help="outgoing webhooks")
    actions = parser.add_subparsers(dest="webhook_action", required=True)
    add = actions.add_parser("add", help="subscribe a URL; prints its signing secret once")
    add.add_argument("--url", required=True)
    add.add_argument("--events", required=True, help="comma-separated: " + ",".join(EVENTS))
    actions.add_parser("list", help="list subscriptions")
    remove = actions.add_parser("remove", help="end a subscription")
    remove.add_argument("id", type=int)
    test = actions.add_parser("test", help="queue a webhook.test event to one subscription")
    test.add_argument("id", type=int)
    actions.add_parser("log", help="the latest deliveries: status, attempts, last error")
    redeliver = actions.add_parser("redeliver", help="queue a delivery again (same event id)")
    redeliver.add_argument("id", type=int)
    parser.set_defaults(handler=run)


async def add_subscription(
    sessions: async_sessionmaker[AsyncSession], *, url: str, events: str, now: datetime
) -> tuple[int, str]:
    """Stores a subscription (events comma-separated); its id and its signing secret."""
    async with sessions() as session, session.begin():
        return await subscribe(session, url=url, events=events.split(","), now=now)


async def queue_test(
    sessions: async_sessionmaker[AsyncSession], *, subscription_id: int, now: datetime
) -> bool:
    """Queues a `webhook.test` event to one subscription; False if it does not exist."""
    async with sessions() as session, session.begin():
        return await webhook_subscriptions.queue_test(
            session, subscription_id=subscription_id, now=now
        )


async def _report(sessions: async_sessionmaker[AsyncSession], action: str) -> str:
    """The subscriptions or the delivery log as text."""
    async with sessions() as session:
        if action == "list":
            rows = await webhooks.subscriptions(session)
            lines = [f"{s.id}  {s.url}  {s.events}  since {s.created_at:%Y-%m-%d}" for s in rows]
            return "\n".join(["id  url  events  created", *lines]) if rows else "No webhooks."
        log = await webhooks.deliveries(session)
    lines = [
        f"{d.id}  {d.event}  {d.status}  attempts {d.attempts}  {d.last_status or '-'}  "
        f"{d.last_error or ''}  {d.created_at:%Y-%m-%d %H:%M}"
        for d in log
    ]
    return "\n".join(["id  event  status  attempts  http  error  at", *lines])


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs the chosen action against the configured database."""
    return await on_existing_database(settings, lambda sessions: _act(sessions, args))


async def _act(sessions: async_sessionmaker[AsyncSession], args: argparse.Namespace) -> int:
    """Runs the chosen action on the migrated database."""
    now = SystemClock().now()
    action = args.webhook_action
    if action == "add":
        try:
            found, secret = await add_subscription(
                sessions, url=args.url, events=args.events, now=now
            )
        except SubscriptionRefused as problem:
            print(problem, file=sys.stderr)
            return 2
        print(f"Webhook #{found} to {args.url}. Its signing secret (shown only this once):")
        print(secret)
        return 0
    if action == "test":
        done = await queue_test(sessions, subscription_id=args.id, now=now)
    elif action == "remove":
        async with sessions() as session, session.begin():
            done = await webhooks.remove_subscription(session, subscription_id=args.id, now=now)
    elif action == "redeliver":
        async with sessions() as session, session.begin():
            done = await webhooks.redeliver(session, delivery_id=args.id, now=now)
    else:
        print(await _report(sessions, action))
        return 0
    print("Done." if done else f"No such {'delivery' if action == 'redeliver' else 'webhook'}.")
    return 0 if done else 1
