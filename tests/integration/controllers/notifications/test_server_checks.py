"""Servers checked on the real pipeline: two of the platform's node exporter image reading
this machine, named worker-1 and worker-2 as the stack names them after their nodes, scraped
by the platform's Prometheus image (testcontainers), checked by the notifications controller.
Each one's disk above the threshold is told once (the threshold is set to 1 %: this machine's
disk is above it); worker-2's exporter stopped is that server down, told once; started again,
the server back, told once."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.controllers.notifications.test_delivery import (
    DASHBOARD,
    controller_running,
    key,
    messages_of,
    reconciles,
    verified_body,
    webhook_channel,
)
from tests.support.metrics_bed import node_exporter, prometheus
from tests.support.receivers import HttpReceiver
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore

pytestmark = pytest.mark.timeout(240)
__all__ = ["key"]  # a fixture, shared
NODE, OTHER = "worker-2", "worker-1"


def events_received(receiver: HttpReceiver) -> list[dict[str, str]]:
    return [verified_body(received)["event"] for received in receiver.received]


async def test_a_full_disk_and_a_server_down_then_back_are_each_told_once(
    store: PostgresStore, database_url: str, key: str, receiver: HttpReceiver
) -> None:
    hook = await webhook_channel(store, key, receiver)
    with (
        node_exporter(OTHER) as (other, other_container),
        node_exporter(NODE) as (target, container),
        prometheus([other, target]) as url,
    ):
        overrides = {
            "metrics_url": url,
            "server_check_seconds": 1,
            "disk_full_percent": 1,
            "server_down_seconds": 10,
        }
        async with controller_running(database_url, key, **overrides) as runner:
            await eventually(lambda: len(receiver.received) >= 2, timeout=60, every=0.5)
            disks = events_received(receiver)
            assert {d["type"] for d in disks} == {"node.disk_full"}
            assert all(d["title"].startswith("Disk above ") for d in disks)
            assert sorted(d["title"].split(": ")[1].split()[0] for d in disks) == [OTHER, NODE]
            assert disks[0]["link"] == f"{DASHBOARD}/servers"

            container.get_wrapped_container().stop(timeout=1)
            await eventually(lambda: len(receiver.received) >= 3, timeout=60, every=0.5)
            down = events_received(receiver)[2]
            assert (down["type"], down["title"]) == ("node.down", f"Server down: {NODE}")

            container.get_wrapped_container().start()
            await eventually(lambda: len(receiver.received) >= 4, timeout=60, every=0.5)
            back = events_received(receiver)[3]
            assert (back["type"], back["title"]) == ("node.down", f"Server back: {NODE}")
            # Looked at again and again: the disks still above, both servers up; nothing new.
            seen = reconciles(runner)
            await eventually(lambda: reconciles(runner) >= seen + 5, timeout=30)
            # No server answering at all is the store not scraping: nobody is said down.
            stopping = [
                asyncio.to_thread(stopped.get_wrapped_container().stop, timeout=1)
                for stopped in (container, other_container)
            ]
            await asyncio.gather(*stopping)
            seen = reconciles(runner)
            await eventually(lambda: reconciles(runner) >= seen + 25, timeout=60)
    assert len(receiver.received) == 4, [e["title"] for e in events_received(receiver)]
    keys = [m.spec["event"]["key"] for m in await messages_of(store, hook)]
    assert len(set(keys)) == 4 and all(k.startswith("server:") for k in keys)
