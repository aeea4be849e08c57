"""The containers' exporter against the real swarm: a service whose container exits every
second is restarted by Swarm in its slot, and each restart is counted from the Engine's
events; a service of two replicas that keep running counts none (its two first starts are the
deployment)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from docker.types import RestartPolicy

from tests.support.metrics_bed import exporter
from tests.support.swarm import BUSYBOX, cleaned_up, client, new_instance
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(120)


def swarm_service(instance: str, name: str, command: str, replicas: int) -> str:
    """A user's service as the services controller labels its containers: its id."""
    service_id = str(uuid.uuid4())
    labels = {
        "zane.instance": instance,
        "zane.owner": f"services/{service_id}",
        "zane.deployment": str(uuid.uuid4()),
    }
    client().services.create(
        BUSYBOX,
        ["sh", "-c", command],
        name=f"{instance}_{name}",
        labels={"zane.instance": instance},
        container_labels=labels,
        restart_policy=RestartPolicy(condition="any", delay=1_000_000_000),
        mode={"Replicated": {"Replicas": replicas}},
    )
    return service_id


def restarts(text: str, service_id: str) -> float | None:
    found = re.search(
        rf'^zane_container_restarts_total\{{[^}}]*service_id="{service_id}"[^}}]*\}} (\S+)$',
        text,
        re.MULTILINE,
    )
    return float(found.group(1)) if found else None


async def test_swarm_restarting_a_container_in_its_slot_is_counted_and_replicas_are_not() -> None:
    instance = new_instance()
    with cleaned_up(instance), exporter(instance) as target:
        crashing = swarm_service(instance, "crash", "sleep 1; exit 3", replicas=1)
        steady = swarm_service(instance, "steady", "sleep 3600", replicas=2)
        async with httpx.AsyncClient(base_url=f"http://{target}") as scrape:

            async def read() -> str:
                return (await scrape.get("/metrics")).text

            async def restarted_three_times() -> bool:
                return (restarts(await read(), crashing) or 0) >= 3

            await eventually(restarted_three_times, timeout=60, every=1, message="3 restarts")
            assert restarts(await read(), steady) == 0
