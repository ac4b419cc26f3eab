"""Prometheus metrics of one process, in their own registry (several apps may share a process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from storage.repos.ops import OpsSnapshot

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Counts:
    """Live counters kept by the pump and the sweeper, read at scrape time."""

    def __init__(self) -> None:
        self.received: Callable[[], int] = lambda: 0
        self.processed: Callable[[], int] = lambda: 0
        self.failed: Callable[[], int] = lambda: 0
        self.fired: Callable[[], int] = lambda: 0


class _Collector(Collector):
    """Turns the live counters and the last database snapshot into metric families."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.snapshot: OpsSnapshot | None = None

    def collect(self) -> Iterator[Metric]:
        """Yields every metric family."""
        received = CounterMetricFamily(
            "aftersales_updates_received", "Telegram updates stored in the inbox (new ones)"
        )
        received.add_metric([], self.counts.received())
        yield received
        processed = CounterMetricFamily(
            "aftersales_updates_processed", "Updates processed, by outcome", labels=["outcome"]
        )
        processed.add_metric(["ok"], self.counts.processed())
        processed.add_metric(["failed"], self.counts.failed())
        yield processed
        fired = CounterMetricFamily(
            "aftersales_reminders_fired", "Reminders fired by this process"
        )
        fired.add_metric([], self.counts.fired())
        yield fired
        snap = self.snapshot
        if snap is None:
            return
        outbox = GaugeMetricFamily(
            "aftersales_outbox_messages", "Outbox rows by status", labels=["status"]
        )
        for status in ("pending", "sending", "sent", "dead"):
            outbox.add_metric([status], snap.outbox.get(status, 0))
        yield outbox
        backlog = GaugeMetricFamily("aftersales_outbox_backlog", "Outbox rows not sent yet")
        backlog.add_metric([], snap.outbox.get("pending", 0) + snap.outbox.get("sending", 0))
        yield backlog
        dead = GaugeMetricFamily("aftersales_outbox_dead", "Outbox rows given up on")
        dead.add_metric([], snap.outbox.get("dead", 0))
        yield dead
        due = GaugeMetricFamily("aftersales_reminders_due", "Reminders due and not fired yet")
        due.add_metric([], snap.reminders_due)
        yield due
        breaches = GaugeMetricFamily(
            "aftersales_sla_breached_cases",
            "Open cases past a service-standard deadline, by deadline and case kind",
            labels=["sla", "kind"],
        )
        for (sla, kind), count in sorted(snap.breaches.items()):
            breaches.add_metric([sla, kind], count)
        yield breaches
        open_cases = GaugeMetricFamily(
            "aftersales_open_cases", "Open cases by status", labels=["status"]
        )
        for status, count in sorted(snap.open_by_status.items()):
            open_cases.add_metric([status], count)
        yield open_cases


class Metrics:
    """The registry /metrics serves, and the instruments other parts feed."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.counts = Counts()
        self._collector = _Collector(self.counts)
        self.registry.register(self._collector)
        self.handler_latency = Histogram(
            "aftersales_handler_seconds",
            "Time to process one update through the handlers",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.webhook_requests = Counter(
            "aftersales_webhook_updates",
            "Updates accepted by the webhook, new or redelivered",
            labelnames=["delivery"],
            registry=self.registry,
        )

    def exposition(self, snapshot: OpsSnapshot) -> bytes:
        """The text format with the given database numbers."""
        self._collector.snapshot = snapshot
        return generate_latest(self.registry)
