"""Environments' networks on the real engine, with the real proxy attached to each and kept
attached through a proxy restart; removed with their environments."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.support import swarm as sw
from tests.support.platform_bed import proxy_of_its_own
from tests.support.proxy import Proxy, networks_factory
from tests.support.runtime import running
from tests.support.waiting import eventually, wait_for_row
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.runtime.runner import Runner
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    with proxy_of_its_own("net") as started:
        yield started


@pytest.fixture
async def networks(proxy: Proxy, database_url: str) -> AsyncIterator[Runner]:
    shared = {"instance": proxy.instance}
    async with running(
        networks_factory(proxy), database_url, installation=shared, resync_seconds=0.5
    ) as runner:
        yield runner


def proxy_containers(proxy: Proxy) -> list[dict[str, Any]]:
    api = sw.client().api
    label = f"com.docker.swarm.service.name={proxy.service.name}"
    listed = api.containers(filters={"label": label, "status": "running"})
    return [api.inspect_container(found["Id"]) for found in listed]


def attached(container: dict[str, Any]) -> set[str]:
    return set(container["NetworkSettings"]["Networks"])


def network_exists(name: str) -> bool:
    return bool(sw.client().api.networks(names=[name]))


async def ready(store: PostgresStore, environment: StoredObject) -> StoredObject:
    def attached_reported(row: StoredObject) -> bool:
        found = row.status.condition("Ready")
        return found is not None and found.status == "True"

    return await wait_for_row(
        store, Kind.ENVIRONMENTS, environment.id, attached_reported, what="Ready", timeout=30
    )


async def test_a_new_environment_attaches_the_running_proxy_without_restarting_it(
    store: PostgresStore, proxy: Proxy, networks: Runner
) -> None:
    [before] = proxy_containers(proxy)
    environment = await sw.make_environment(store)
    row = await ready(store, environment)

    network = naming.environment_network(proxy.instance, environment.id)
    [after] = proxy_containers(proxy)
    assert after["Id"] == before["Id"], "the proxy was restarted"
    assert network in attached(after)
    assert row.status.details["network"] == network
    inspected = sw.client().api.inspect_network(network)
    assert inspected["Driver"] == "overlay" and inspected["Attachable"]
    assert inspected["Labels"][naming.LABEL_OWNER] == f"environments/{environment.id}"


async def test_the_anchor_holds_networks_and_nothing_else(
    store: PostgresStore, proxy: Proxy, networks: Runner
) -> None:
    """No privileges, no writes, no way out: an inert container on an internal bridge."""
    environment = await sw.make_environment(store)
    await ready(store, environment)
    anchor = sw.client().api.inspect_container(naming.anchor(proxy.instance))
    host = anchor["HostConfig"]
    assert anchor["State"]["Running"] and anchor["Config"]["User"] == "65534:65534"
    assert host["ReadonlyRootfs"] and host["CapDrop"] == ["ALL"]
    assert host["Memory"] == 16 * 1024 * 1024 and host["PidsLimit"] == 4
    assert "no-new-privileges" in host["SecurityOpt"]
    bridge = sw.client().api.inspect_network(naming.anchor(proxy.instance))
    assert bridge["Driver"] == "bridge" and bridge["Internal"]
    network = naming.environment_network(proxy.instance, environment.id)
    assert {naming.anchor(proxy.instance), network} <= attached(anchor)


async def test_a_restarted_proxy_is_attached_again_to_every_environment(
    store: PostgresStore, proxy: Proxy, networks: Runner
) -> None:
    environments = [await sw.make_environment(store) for _ in range(3)]
    for environment in environments:
        await ready(store, environment)
    wanted = {naming.environment_network(proxy.instance, env.id) for env in environments}
    [before] = proxy_containers(proxy)

    proxy.kill_container()
    killed_at = time.monotonic()

    def attached_again() -> bool:
        found = proxy_containers(proxy)
        return bool(found) and found[0]["Id"] != before["Id"] and wanted <= attached(found[0])

    await eventually(attached_again, timeout=30, every=0.05, message="new proxy attached")
    attached_at = time.time()
    started = proxy_containers(proxy)[0]["State"]["StartedAt"]
    started_at = datetime.fromisoformat(started[:26].rstrip("Z") + "+00:00").timestamp()
    print(
        f"\nproxy killed → new task attached to 3 networks {time.monotonic() - killed_at:.2f} s"
        f" later, {attached_at - started_at:.2f} s after its container started"
    )


async def test_a_deleted_environment_is_detached_and_its_network_removed(
    store: PostgresStore, proxy: Proxy, networks: Runner
) -> None:
    environment = await sw.make_environment(store)
    await ready(store, environment)
    network = naming.environment_network(proxy.instance, environment.id)

    await store.request_delete(Kind.PROJECTS, environment.parent_id)  # type: ignore[arg-type]

    async def gone() -> bool:
        return await store.get(Kind.ENVIRONMENTS, environment.id) is None

    await eventually(gone, timeout=30, message="environment row collected")
    # Swarm removes an overlay in the background once the manager accepted its removal.
    await eventually(lambda: not network_exists(network), timeout=15, message="network gone")
    assert all(network not in attached(found) for found in proxy_containers(proxy))


async def test_a_network_left_behind_by_a_gone_environment_is_removed(
    proxy: Proxy, networks: Runner
) -> None:
    """What an environment deleted while this controller was down leaves: found at resync."""
    gone = uuid.uuid4()
    network = naming.environment_network(proxy.instance, gone)
    labels = {
        naming.LABEL_MANAGED: "true",
        naming.LABEL_INSTANCE: proxy.instance,
        naming.LABEL_OWNER: f"environments/{gone}",
    }
    sw.client().api.create_network(network, driver="overlay", attachable=True, labels=labels)
    await eventually(lambda: not network_exists(network), timeout=20, message="orphan removed")
