"""Metric alerts on the real pipeline: a container of a service spinning at its CPU limit,
sampled by the node exporter, scraped by the platform's Prometheus image (testcontainers),
checked by the notifications controller: one message when it has been above its threshold for
the alert's minute, one when it is back under, each once; a signed webhook receives both."""

from __future__ import annotations

from typing import Any

import pytest

from controllers import notifications
from controllers.notifications.settings import NotificationsSettings
from tests.integration.controllers.notifications.test_delivery import (
    key,
    messages_of,
    reconciles,
    verified_body,
    webhook_channel,
)
from tests.support.metrics_bed import exporter, prometheus
from tests.support.receivers import HttpReceiver
from tests.support.runtime import running
from tests.support.swarm import BUSYBOX, client, make_environment
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind

pytestmark = pytest.mark.timeout(300)
__all__ = ["key"]  # a fixture, shared
BUSY_SECONDS = 80


async def test_a_cpu_alert_fires_after_its_minute_above_and_resolves_once_under(
    store: PostgresStore, database_url: str, key: str, receiver: HttpReceiver
) -> None:
    instance = f"alerts-{key[:6].lower()}"
    hook = await webhook_channel(store, key, receiver)
    environment = await make_environment(store)
    spec = {
        "slug": "worker",
        "source": {"type": "image", "image": BUSYBOX},
        "resources": {"cpu_limit": 0.5},
        "alerts": [{"metric": "cpu", "above_percent": 60, "for_minutes": 1}],
    }
    service = await store.create(Kind.SERVICES, spec, environment.id)
    busy = client().containers.run(
        BUSYBOX,
        ["sh", "-c", f"timeout {BUSY_SECONDS} sh -c 'while :; do :; done'; sleep 3600"],
        detach=True,
        nano_cpus=500_000_000,  # its limit: half a core
        labels={"zane.instance": instance, "zane.owner": f"services/{service.id}"},
    )
    try:
        with exporter(instance) as node, prometheus([node]) as url:
            settings = NotificationsSettings(
                allow_local_addresses=True, metrics_url=url, alert_check_seconds=2
            )
            async with running(
                lambda deps: notifications.build(deps, settings),
                database_url,
                installation={"secret_key": key},
            ) as runner:
                await eventually(lambda: len(receiver.received) >= 1, timeout=150, every=1)
                above = verified_body(receiver.received[0])["event"]
                assert above["type"] == "metric.above"
                assert above["title"] == f"CPU above 60 %: {await path_of(store, service.id)}"
                await eventually(lambda: len(receiver.received) >= 2, timeout=150, every=1)
                under = verified_body(receiver.received[1])["event"]
                assert under["type"] == "metric.recovered"
                # Checked again and again under the threshold: nothing more is said.
                seen = reconciles(runner)
                await eventually(lambda: reconciles(runner) >= seen + 5, timeout=30)
        assert len(receiver.received) == 2
        assert [m.spec["event"]["type"] for m in await messages_of(store, hook)] == [
            "metric.above",
            "metric.recovered",
        ]
    finally:
        busy.remove(force=True)


async def path_of(store: PostgresStore, service_id: Any) -> str:
    service = await store.get(Kind.SERVICES, service_id)
    assert service is not None and service.parent_id is not None
    environment = await store.get(Kind.ENVIRONMENTS, service.parent_id)
    assert environment is not None and environment.parent_id is not None
    project = await store.get(Kind.PROJECTS, environment.parent_id)
    assert project is not None
    return f"{project.spec['slug']}/{environment.spec['slug']}/{service.spec['slug']}"
