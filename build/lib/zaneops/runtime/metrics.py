"""Prometheus metrics of one controller process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class RuntimeMetrics:
    def __init__(self, controller: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"controller": controller}
        self.reconciles = Counter(
            "zane_reconcile_total",
            "Reconciles finished, by result.",
            ["controller", "result"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "zane_reconcile_duration_seconds",
            "Time spent in one reconcile.",
            ["controller"],
            registry=self.registry,
        ).labels(**labels)
        self.queue_depth = Gauge(
            "zane_workqueue_depth",
            "Keys waiting to be reconciled.",
            ["controller"],
            registry=self.registry,
        ).labels(**labels)
        self.leader = Gauge(
            "zane_leader",
            "1 while this replica holds the lease.",
            ["controller"],
            registry=self.registry,
        ).labels(**labels)
        self.notifications = Counter(
            "zane_notifications_total",
            "Notifications received.",
            ["controller"],
            registry=self.registry,
        ).labels(**labels)
        self._controller = controller

    def reconciled(self, result: str) -> None:
        self.reconciles.labels(controller=self._controller, result=result).inc()
